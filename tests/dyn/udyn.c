/*
 * udyn: a dynamically linked program (Debian's glibc, its ld.so) that
 * prints what it sees, in a form that is the same on Linux and in the
 * kernel (tests/qemu/dyn_exec_test.py compares the two): its arguments and
 * environment, the auxiliary vector glibc reads (checked, not
 * printed where addresses or the host differ), printf, malloc, two
 * threads, and dlopen() of libm. Lines starting "addr " hold addresses,
 * which differ between runs with randomisation on: the test compares them
 * between runs, not with Linux.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char _start[];
static int global_var = 42;

struct first {
    const ElfW(Phdr) *phdr;
    int phnum;
    ElfW(Addr) base;
};

static int first_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct first *f = arg;
    f->phdr = info->dlpi_phdr;
    f->phnum = info->dlpi_phnum;
    f->base = info->dlpi_addr;
    return 1; /* the program is the first */
}

static void *worker(void *arg)
{
    long n = (long)arg, sum = 0;
    for (long i = 1; i <= n; i++)
        sum += i;
    return (void *)sum;
}

static const char *yes(int c) { return c ? "yes" : "no"; }

static void *volatile frame_info, *volatile frame_uc;

static int on_x86_64(void)
{
    struct utsname u;
    return uname(&u) == 0 && strcmp(u.machine, "x86_64") == 0;
}

static void on_altstack(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    frame_info = info;
    frame_uc = uc;
}

/* The bytes a signal's frame takes of a fresh alternate stack (64-byte
 * aligned at both ends), from its top to the frame's lowest byte: siginfo
 * or ucontext, or on x86_64 the return address below them; 0 if the handler
 * did not run. */
static unsigned long altstack_frame_bytes(size_t size)
{
    stack_t ss = {.ss_sp = aligned_alloc(64, size), .ss_size = size}, old;
    struct sigaction sa = {.sa_sigaction = on_altstack, .sa_flags = SA_SIGINFO | SA_ONSTACK}, was;
    if (!ss.ss_sp || sigaltstack(&ss, &old) || sigaction(SIGUSR1, &sa, &was))
        return 0;
    frame_info = frame_uc = NULL;
    raise(SIGUSR1);
    sigaction(SIGUSR1, &was, NULL);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    char *low = frame_info < frame_uc ? frame_info : frame_uc, *top = (char *)ss.ss_sp + size;
    if (on_x86_64())
        low -= 8; /* pretcode */
    unsigned long n = frame_info && low >= (char *)ss.ss_sp && low < top ? (unsigned long)(top - low) : 0;
    free(ss.ss_sp);
    return n;
}

/* The path /proc/self/maps gives the mapping holding @a ("" for none, or
 * one without a path) into @a path. */
static void mapped_from(const void *a, char *path, size_t size)
{
    char line[4352];
    path[0] = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        int at = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &at) < 2 || !at)
            continue;
        if ((unsigned long)a < lo || (unsigned long)a >= hi)
            continue;
        line[strcspn(line, "\n")] = 0;
        snprintf(path, size, "%s", line + at);
        break;
    }
    if (f)
        fclose(f);
}

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

int main(int argc, char **argv, char **envp)
{
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] %s\n", i, argv[i]);
    int envc = 0;
    for (char **e = envp; *e; e++)
        envc++;
    printf("envc %d, PATH=%s\n", envc, getenv("PATH") ? getenv("PATH") : "(unset)");

    struct first f = {0};
    dl_iterate_phdr(first_object, &f);
    printf("AT_PHDR is the program's headers: %s\n", yes(getauxval(AT_PHDR) == (unsigned long)f.phdr));
    printf("AT_PHNUM %s, AT_PHENT %lu\n", yes(getauxval(AT_PHNUM) == (unsigned long)f.phnum),
           getauxval(AT_PHENT));
    printf("AT_ENTRY is _start: %s\n", yes(getauxval(AT_ENTRY) == (unsigned long)_start));
    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
    printf("AT_CLKTCK %lu\n", getauxval(AT_CLKTCK));
    printf("AT_FLAGS %lu\n", getauxval(AT_FLAGS));
    printf("AT_SECURE %lu\n", getauxval(AT_SECURE));
    printf("ids: %s\n", yes(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() &&
                            getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid()));
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    int nz = 0;
    for (int i = 0; rnd && i < 16; i++)
        nz |= rnd[i];
    printf("AT_RANDOM: %s\n", yes(rnd && nz));
    const char *fn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN is argv[0]: %s\n", yes(fn && strcmp(fn, argv[0]) == 0));
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    printf("AT_PLATFORM %s\n", plat ? plat : "(none)");
    printf("AT_BASE nonzero: %s\n", yes(getauxval(AT_BASE) != 0));
    /* AT_MINSIGSTKSZ: Linux gives it on x86_64 and arm64 (qemu-user on
     * arm64 does not: there the C library's value stands in); a signal's
     * frame on a fresh alternate stack must fit in it. */
    if (on_x86_64())
        printf("AT_MINSIGSTKSZ given: %s\n", yes(getauxval(AT_MINSIGSTKSZ) != 0));
    unsigned long minsig = getauxval(AT_MINSIGSTKSZ) ? getauxval(AT_MINSIGSTKSZ) : (unsigned long)sysconf(_SC_MINSIGSTKSZ);
    unsigned long fb = altstack_frame_bytes((minsig + 16384 + 63) & ~63ul);
    printf("a signal frame fits in the minimum signal stack: %s\n", yes(fb && fb <= minsig));

    size_t n = 1 << 20;
    unsigned char *m = malloc(n);
    if (!m)
        return 2;
    memset(m, 7, n);
    unsigned long s = 0;
    for (size_t i = 0; i < n; i += 4096)
        s += m[i];
    free(m);
    printf("malloc: %lu\n", s);

    pthread_t t[2];
    long got[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(long)(1000 * (i + 1))))
            return 3;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        got[i] = (long)r;
    }
    printf("threads: %ld %ld\n", got[0], got[1]);

    void *lm = dlopen("libm.so.6", RTLD_NOW);
    double (*cosp)(double) = lm ? (double (*)(double))dlsym(lm, "cos") : NULL;
    printf("dlopen libm: cos(0) = %.3f\n", cosp ? cosp(0.0) : -1.0);

    /* Looked up, not named: a non-PIE program's address of a library's
     * function would be its own PLT slot. */
    char path[4096], self[4096];
    mapped_from((const void *)main, path, sizeof path);
    printf("maps names the program: %s\n", yes(realpath(argv[0], self) && strcmp(path, self) == 0));
    mapped_from(dlsym(RTLD_DEFAULT, "strverscmp"), path, sizeof path);
    printf("maps names libc: %s\n", yes(strcmp(base_name(path), "libc.so.6") == 0));
    mapped_from(dlsym(RTLD_DEFAULT, "__tls_get_addr"), path, sizeof path);
    printf("maps names the loader: %s\n", yes(strncmp(base_name(path), "ld-linux-", 9) == 0));

    void *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("addr base %#lx main %p data %p stack %p mmap %p\n", getauxval(AT_BASE), (void *)main,
           (void *)&global_var, (void *)&f, anon);
    return 0;
}
