# How a test program of tests/programs/ is compiled and linked, after its
# target and the arch's ARCH_USER_CFLAGS: static, freestanding, no C library
# (tests/programs/usys.h has the system calls). Shared by the kernel's build
# of them (cmake/user_progs.cmake) and the host preset's x86_64 build of the
# ones judged by Linux (cmake/linux_judged.cmake).
set(USER_PROG_FLAGS -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdlib -static -fno-pic
  -fno-stack-protector -fno-asynchronous-unwind-tables -fuse-ld=lld
  -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,separate-code)
