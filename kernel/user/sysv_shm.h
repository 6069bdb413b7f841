/*
 * sysv_shm.h: what the address spaces (uspace.c) tell the System V shared
 * memory (sysv_shm.c) of a segment's regions. Private to kernel/user/.
 */
#ifndef KERNEL_USER_SYSV_SHM_H
#define KERNEL_USER_SYSV_SHM_H

struct shm_seg;

/** A region of @p seg was made (shmat, or a region split or copied by fork): one attachment more. */
void shm_region_opened(struct shm_seg *seg);
/** A region of @p seg went (shmdt, munmap, exit, execve): one fewer; a removed segment goes with its last. */
void shm_region_closed(struct shm_seg *seg);

#endif
