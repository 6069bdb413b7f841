# Sources of kernel/shell, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/shell/shell.c
  kernel/shell/lineedit.c
  kernel/shell/shell_tests.c
)
