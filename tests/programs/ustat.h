/*
 * ustat.h: struct stat as the kernel writes it (stat, fstat, newfstatat),
 * for the test programs that look at one: x86_64 has its own layout, arm64
 * and riscv64 the generic one (the arch's usys_arch.h defines USTAT_X86_64
 * for the former).
 */
#ifndef USTAT_H
#define USTAT_H

#include "usys.h"

#ifdef USTAT_X86_64
struct ustat { /* x86_64's own struct stat */
    unsigned long dev, ino, nlink;
    unsigned int mode, uid, gid, pad0;
    unsigned long rdev;
    long size, blksize, blocks;
    unsigned long times[6];
    long unused[3];
};
_Static_assert(sizeof(struct ustat) == 144, "x86_64 struct stat");
#else
struct ustat { /* the generic struct stat (arm64, riscv64) */
    unsigned long dev, ino;
    unsigned int mode, nlink, uid, gid;
    unsigned long rdev, pad1;
    long size;
    int blksize, pad2;
    long blocks;
    unsigned long times[6];
    unsigned int unused[2];
};
_Static_assert(sizeof(struct ustat) == 128, "generic struct stat");
#endif

#endif
