/*
 * ufault KIND: does one forbidden thing; the kernel must kill it with the
 * right signal (the test checks the wait status) and carry on.
 *   null      read address 0              SIGSEGV
 *   kread     read a kernel address        SIGSEGV
 *   kwrite    write a kernel address       SIGSEGV
 *   kjump     jump to a kernel address     SIGSEGV
 *   stackexec jump into its own stack      SIGSEGV (W^X)
 *   textwrite write its own code           SIGSEGV
 *   ill       an undefined instruction     SIGILL
 *   exit N    no fault: exit with N
 */
#include "usys.h"

/* The top of the address space is the kernel's on every arch here. */
#define KERNEL_ADDR ((volatile long *)0xffffffffc0000000ul)

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc < 2) {
        uputs("usage: ufault null|kread|kwrite|kjump|stackexec|textwrite|ill|exit N\n");
        return 2;
    }
    const char *k = argv[1];
    if (ustreq(k, "null"))
        return (int)*(volatile long *)0;
    if (ustreq(k, "kread"))
        return (int)*KERNEL_ADDR;
    if (ustreq(k, "kwrite")) {
        *KERNEL_ADDR = 1;
        return 0;
    }
    if (ustreq(k, "kjump"))
        ((void (*)(void))(unsigned long)KERNEL_ADDR)();
    if (ustreq(k, "stackexec")) {
        volatile unsigned code[4] = {0, 0, 0, 0};
        ((void (*)(void))(unsigned long)code)();
    }
    if (ustreq(k, "textwrite")) {
        *(volatile unsigned char *)(unsigned long)main = 0;
        return 0;
    }
    if (ustreq(k, "ill"))
        ILLEGAL_INSN();
    if (ustreq(k, "exit") && argc > 2)
        return (int)uatol(argv[2]);
    uputs("ufault: unknown kind\n");
    return 2;
}
