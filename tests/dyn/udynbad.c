/*
 * udynbad DIR: execve's errors for programs whose interpreter is bad, in
 * DIR (the test makes the programs there, their PT_INTERP paths relative to
 * it): missing (ENOENT), not an ELF file (ELIBBAD), shorter than an ELF
 * header (EIO, Linux's short read), an ELF file of another machine
 * (ELIBBAD); and ETXTBSY both ways: its own program open for writing, and
 * execve of a file open for writing. One line each, the same on Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *name(int e)
{
    switch (e) {
    case 0: return "OK";
    case ENOENT: return "ENOENT";
    case ENOEXEC: return "ENOEXEC";
    case ELIBBAD: return "ELIBBAD";
    case EIO: return "EIO";
    case EACCES: return "EACCES";
    case ETXTBSY: return "ETXTBSY";
    case EINVAL: return "EINVAL";
    default: return "other";
    }
}

static void try_exec(const char *prog)
{
    char *argv[] = {(char *)prog, NULL}, *envp[] = {NULL};
    execve(prog, argv, envp);
    printf("execve %s: %s\n", prog, name(errno));
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]) != 0)
        return 2;
    try_exec("./missing-interp");
    try_exec("./text-interp");
    try_exec("./short-interp");
    try_exec("./foreign-interp");
    int fd = open(argv[0], O_WRONLY);
    printf("open own program for writing: %s\n", name(fd < 0 ? errno : 0));
    fd = open("./copy", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    int in = open(argv[0], O_RDONLY);
    char buf[4096];
    ssize_t r;
    while (fd >= 0 && in >= 0 && (r = read(in, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)r) != r)
            return 3;
    try_exec("./copy"); /* still open for writing */
    close(fd);
    unlink("./copy");
    return 0;
}
