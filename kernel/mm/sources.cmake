# Sources of kernel/mm, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/mm/iowindow.c
  kernel/mm/buddy.c
  kernel/mm/memmap.c
  kernel/mm/pmm.c
  kernel/mm/file_page.c
  kernel/mm/pmm_tests.c
  kernel/mm/pagetable.c
  kernel/mm/asid.c
  kernel/mm/vmalloc.c
  kernel/mm/uaccess.c
  kernel/mm/kmalloc.c
  kernel/mm/kmem.c
  kernel/mm/mm_cmds.c
)
