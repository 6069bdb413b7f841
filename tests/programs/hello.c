/* hello: prints a greeting with its pid and arguments; exits with argc. */
#include "usys.h"

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    uputs("hello from user mode, pid ");
    uputn(sys1(NR_getpid, 0));
    uputs(", argc ");
    uputn(argc);
    for (int i = 0; i < argc; i++) {
        uputs(i ? " " : ":");
        uputs(argv[i]);
    }
    uputs("\n");
    return argc;
}
