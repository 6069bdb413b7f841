# Sources of kernel/tty (the console, the terminal and its line
# discipline), appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/tty/console.c
  kernel/tty/ldisc.c
  kernel/tty/tty.c
)
