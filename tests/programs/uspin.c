/*
 * uspin [sleep|detach]: runs until it is killed, in user mode (a busy loop:
 * only the timer interrupt takes it back to the kernel) or with `sleep` in
 * nanosleep; prints one line first so a test knows it is running. With
 * `detach` it forks a child that sleeps so, and exits: the child is left
 * running in the background, for the kernel shell's ps and kill.
 */
#include "usys.h"

struct ts {
    long sec, nsec;
};

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    int detach = argc > 1 && ustreq(argv[1], "detach");
    int sleeping = detach || (argc > 1 && ustreq(argv[1], "sleep"));
    if (detach) {
        long c = sys6(NR_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
        if (c > 0) {
            uputs("uspin: left child ");
            uputn(c);
            uputs(" sleeping\n");
            return 0;
        }
    }
    if (!detach)
        uputs(sleeping ? "uspin: sleeping\n" : "uspin: spinning\n");
    volatile unsigned long n = 0;
    for (;;) {
        if (sleeping) {
            struct ts t = {1, 0};
            sys3(NR_nanosleep, (long)&t, 0, 0);
        } else {
            n++;
        }
    }
}
