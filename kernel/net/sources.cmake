# Sources of kernel/net (network interfaces, lwIP, sockets), appended to the
# kernel's portable core. lwIP's headers are on the include path of these
# files and lwIP's own, no other: the rest of the kernel reaches the stack
# through kernel/net's functions (kernel/include/kernel/net.h).
include(${PROJECT_SOURCE_DIR}/cmake/lwip.cmake)
list(APPEND CORE_SOURCES
  kernel/net/socket.c
)
set(NET_SOURCES
  kernel/net/inet.c
  kernel/net/inet_if.c
  kernel/net/inet_tests.c
  kernel/net/lwip/sys_arch.c
)
list(APPEND CORE_SOURCES ${NET_SOURCES} ${LWIP_SOURCES})
set_property(SOURCE ${NET_SOURCES} ${LWIP_SOURCES} APPEND PROPERTY INCLUDE_DIRECTORIES ${LWIP_INCLUDE_DIRS})
# lwIP's own files, not ours: clang warns where lwIP compares a u8_t with
# a constant that is always in range when an option is at its maximum, and
# where a function's declaration is lwIP's prototype-less style.
set_property(SOURCE ${LWIP_SOURCES} APPEND PROPERTY COMPILE_OPTIONS -Wno-unused-parameter -Wno-tautological-constant-out-of-range-compare)
