# Sources of kernel/fs (the initrd, the VFS, tmpfs, pipes, devices),
# appended to the kernel's portable core.
list(APPEND CORE_SOURCES
  kernel/fs/archive.c
  kernel/fs/devfs.c
  kernel/fs/epoll.c
  kernel/fs/ext2/ext2.c
  kernel/fs/ext2/ext2_names.c
  kernel/fs/ext2/ext2_super.c
  kernel/fs/ext2/ext2_inode.c
  kernel/fs/ext2/ext2_file.c
  kernel/fs/ext2/ext2_write.c
  kernel/fs/file.c
  kernel/fs/fs_cmds.c
  kernel/fs/initrd.c
  kernel/fs/initrd_cmds.c
  kernel/fs/locks.c
  kernel/fs/pcache.c
  kernel/fs/pcache_tests.c
  kernel/fs/perm.c
  kernel/fs/pipe.c
  kernel/fs/procfs.c
  kernel/fs/tmpfs.c
  kernel/fs/vfs.c
)
