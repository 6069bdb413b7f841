# Sources of kernel/net (network interfaces, lwIP, sockets), appended to the
# kernel's portable core. lwIP's headers are on the include path of
# NET_SOURCES and lwIP's own files, no other: the rest of the kernel reaches
# the stack through kernel/net's functions (kernel/include/kernel/net.h).
include(${PROJECT_SOURCE_DIR}/cmake/lwip.cmake)
list(APPEND CORE_SOURCES
  kernel/net/socket.c
  kernel/net/netdev.c
  kernel/net/unix.c
)
set(NET_SOURCES
  kernel/net/inet.c
  kernel/net/inet_if.c
  kernel/net/inet_mcast.c
  kernel/net/inet_tests.c
  kernel/net/lwip/chksum.c
  kernel/net/lwip/netif.c
  kernel/net/net_cmds.c
  kernel/net/net_tests.c
  kernel/net/netlink.c
  kernel/net/packet.c
  kernel/net/sock_filter.c
  kernel/net/ping.c
  kernel/net/lwip/stack.c
  kernel/net/lwip/sys_arch.c
)
list(APPEND CORE_SOURCES ${NET_SOURCES} ${LWIP_SOURCES})
set_property(SOURCE ${NET_SOURCES} ${LWIP_SOURCES} APPEND PROPERTY INCLUDE_DIRECTORIES ${LWIP_INCLUDE_DIRS})
# "net_internal.h", "lwip_port.h": kernel/net's own headers
set_property(SOURCE ${NET_SOURCES} APPEND PROPERTY INCLUDE_DIRECTORIES
  ${PROJECT_SOURCE_DIR}/kernel/net ${PROJECT_SOURCE_DIR}/kernel/net/lwip)
# lwIP's own files, not ours: clang finds comparisons that are always false
# when an option is at its largest (tcp.c: the window against a u16_t).
set_property(SOURCE ${LWIP_SOURCES} APPEND PROPERTY COMPILE_OPTIONS -Wno-tautological-constant-out-of-range-compare)
