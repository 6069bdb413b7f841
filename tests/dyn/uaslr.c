/*
 * uaslr [0|1|2 [LOADER]]: /proc/sys/kernel/randomize_va_space read, and
 * written with the value given; "5" is refused (EINVAL), and a user other
 * than root cannot open it for writing (EACCES). With LOADER (the dynamic
 * loader running this program), that is ETXTBSY for writers while mapped
 * (Linux lets them in once the program is loaded). Run only in the kernel (on the
 * host it would change the host's setting): tests/qemu/dyn_exec_test.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RV "/proc/sys/kernel/randomize_va_space"

static int show(void)
{
    char buf[16] = "";
    int fd = open(RV, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    printf("randomize_va_space %s", n > 0 ? buf : "unreadable\n");
    return n > 0;
}

int main(int argc, char **argv)
{
    if (!show())
        return 1;
    int fd = open(RV, O_WRONLY);
    printf("write 5: %s\n", fd >= 0 && write(fd, "5\n", 2) < 0 && errno == EINVAL ? "EINVAL" : "accepted?");
    if (fd >= 0)
        close(fd);
    pid_t pid = fork();
    if (pid == 0) {
        if (setuid(1000) != 0)
            _exit(2);
        int w = open(RV, O_WRONLY);
        _exit(w < 0 && errno == EACCES ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("uid 1000 opening it for writing: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "EACCES" : "allowed?");
    if (argc > 2) {
        int w = open(argv[2], O_WRONLY);
        printf("the loader open for writing: %s\n", w < 0 && errno == ETXTBSY ? "ETXTBSY" : "allowed?");
        if (w >= 0)
            close(w);
    }
    if (argc > 1) {
        fd = open(RV, O_WRONLY);
        if (fd < 0 || write(fd, argv[1], strlen(argv[1])) != (ssize_t)strlen(argv[1]))
            return 1;
        close(fd);
        show();
    }
    return 0;
}
