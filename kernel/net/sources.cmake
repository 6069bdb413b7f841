# Sources of kernel/net (network interfaces, lwIP, sockets), appended to the
# kernel's portable core.
list(APPEND CORE_SOURCES
  kernel/net/socket.c
  kernel/net/unix.c
)
