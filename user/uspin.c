/*
 * uspin [sleep]: runs until it is killed, in user mode (a busy loop: only
 * the timer interrupt takes it back to the kernel) or with `sleep` in
 * nanosleep; prints one line first so a test knows it is running.
 */
#include "usys.h"

struct ts {
    long sec, nsec;
};

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    int sleeping = argc > 1 && ustreq(argv[1], "sleep");
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
