# Sources of kernel/fs (the initrd), appended to the kernel's portable core.
list(APPEND CORE_SOURCES
  kernel/fs/archive.c
  kernel/fs/initrd.c
)
