/**
 * @file module_cmds.c
 * @brief Shell commands: modload, modunload, lsmod. An error is one line,
 *        "<command>: <what>: <reason> (<ENAME>)" (shell_error()).
 */
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/kprintf.h>
#include <kernel/module.h>
#include <kernel/shell.h>
#include <kernel/string.h>

static int cmd_modload(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    const void *data;
    size_t size;
    int rc = initrd_find(argv[1], &data, &size);
    if (rc)
        return shell_error(rc, "modload: %s: %s", argv[1],
                           rc == -ENOENT ? "no such file in the initrd" : "the initrd is damaged");
    /* the file's name without directory and extension, if the module has no
     * name; one too long for a name is passed on whole enough for the loader
     * to refuse it rather than cut */
    const char *base = argv[1];
    for (const char *p = argv[1]; *p; p++)
        if (*p == '/')
            base = p + 1;
    char name[64];
    size_t n = 0;
    while (base[n] && base[n] != '.' && n < sizeof name - 1) {
        name[n] = base[n];
        n++;
    }
    name[n] = 0;
    struct module_opts o = *module_kernel_opts();
    o.name = name;
    struct module *m;
    char log[200];
    rc = module_load(data, size, &o, &m, log, sizeof log);
    if (rc)
        return shell_error(rc, "modload: %s: %s", argv[1], log[0] ? log : "refused (the loader gave no reason)");
    kprintf("modload: %s loaded at %p (%zu bytes of code, %zu read-only, %zu data)\n", m->name, (void *)m->base,
            m->text_size, m->ro_size, m->rw_size);
    return 0;
}
SHELL_COMMAND("modload", "modload <file>", "load a module (ELF object) from the initrd, run module_init",
              cmd_modload);

static int cmd_modunload(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    int rc = module_unload(argv[1]);
    if (rc)
        return shell_error(rc, "modunload: %s: no such module", argv[1]);
    return 0;
}
SHELL_COMMAND("modunload", "modunload <name>", "run a module's module_exit and unload it", cmd_modunload);

/* Names are printed as they are: the loader admits only printable ASCII
 * without spaces (kernel/module.h), on every path that adds a module. */
static int cmd_lsmod(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    if (!module_next(NULL)) {
        kprintf("no modules loaded\n");
        return 0;
    }
    kprintf("%-16s %-18s %8s %8s %8s\n", "module", "address", "text", "rodata", "data");
    for (struct module *m = module_next(NULL); m; m = module_next(m))
        kprintf("%-16s %p %8zu %8zu %8zu\n", m->name, (void *)m->base, m->text_size, m->ro_size, m->rw_size);
    return 0;
}
SHELL_COMMAND("lsmod", "lsmod", "the loaded modules: name, address, sizes", cmd_lsmod);

/* `ksyms --exports [prefix]`: what a module may call (kernel/module/kexport.c),
 * in name order, with the address it links to. */
static int cmd_ksyms(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || strcmp(argv[1], "--exports") != 0)
        return shell_usage(argv[0]);
    const char *prefix = argc == 3 ? argv[2] : "";
    size_t plen = strlen(prefix);
    unsigned n = 0;
    for (const char *prev = "", *name; (name = kexport_next(prev)) != NULL; prev = name)
        if (strncmp(name, prefix, plen) == 0) {
            kprintf("  %-24s %p\n", name, kexport_lookup(name));
            n++;
        }
    if (!n)
        return shell_error(-ENOENT, "ksyms: no export starts with '%s'", prefix);
    kprintf("%u export%s (docs/modules-and-ebpf.md says what each is for)\n", n, n == 1 ? "" : "s");
    return 0;
}
SHELL_COMMAND("ksyms", "ksyms --exports [prefix]", "the kernel functions a module may call", cmd_ksyms);
