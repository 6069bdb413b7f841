/*
 * uscript DIR: #! scripts (the test makes them in DIR/scripts, their
 * interpreters' paths relative to DIR): each run in a child by execve,
 * which prints its exit status or execve's error. The interpreter is
 * uscript itself run as "uargs" (it prints its arguments, AT_EXECFN, the
 * last part of /proc/self/exe, which is the interpreter's file, and
 * /proc/self/comm, which is the script's name), so the output is the same
 * on every arch and on Linux.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *name(int e)
{
    switch (e) {
    case ENOENT: return "ENOENT";
    case ENOEXEC: return "ENOEXEC";
    case EACCES: return "EACCES";
    case ELOOP: return "ELOOP";
    case E2BIG: return "E2BIG";
    default: return "other";
    }
}

static void run(const char *script)
{
    char path[64];
    snprintf(path, sizeof path, "scripts/%s", script);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {(char *)script, "x", NULL}, *envp[] = {NULL};
        execve(path, argv, envp);
        printf("%s: execve %s\n", script, name(errno));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    if (strcmp(base ? base + 1 : argv[0], "uargs") == 0) {
        const char *fn = (const char *)getauxval(AT_EXECFN);
        printf("  argc %d, AT_EXECFN %s\n", argc, fn ? fn : "(none)");
        char exe[256] = "", comm[32] = "";
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        int fd = open("/proc/self/comm", O_RDONLY);
        n = fd >= 0 ? read(fd, comm, sizeof comm - 1) : -1;
        comm[n > 0 ? n : 0] = 0;
        if (fd >= 0)
            close(fd);
        const char *eb = strrchr(exe, '/');
        printf("  exe .../%s, comm %s", eb ? eb + 1 : exe, comm);
        for (int i = 0; i < argc; i++)
            printf("  argv[%d] [%s]\n", i, argv[i]);
        return 0;
    }
    if (argc < 2 || chdir(argv[1]) != 0)
        return 2;
    static const char *const scripts[] = {"arg", "noarg", "blanks", "nested", "long-arg", "long-name",
                                          "empty", "loop", "chain5", "missing", "not-executable"};
    for (unsigned i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        printf("%s:\n", scripts[i]);
        run(scripts[i]);
    }
    return 0;
}
