/**
 * @file bpf_cmds.c
 * @brief The `bpf` shell command: run programs from the initrd or typed as
 *        hex, attach them to hooks, list attachments and maps, dump maps.
 *
 *   bpf run <file> [mem-hex] [--interp]       r1 = the memory, r2 = its length
 *   bpf exec <program-hex> [mem-hex] [--interp]
 *   bpf attach <hook> <file> [section]
 *   bpf detach <id>
 *   bpf list
 *   bpf map list | bpf map dump <id>
 *
 * A file is an ELF object (clang -target bpf) or raw instructions. A
 * program refused on the way in prints one line, "rejected: <why>
 * (<ENAME>)": the verifier's "insn N: reason", and in the same words what
 * is refused before it (a byte count that is not whole instructions, a map
 * id that names no map, an ELF object the loader refuses); the kernel
 * carries on.
 */
#include <kernel/bpf.h>
#include <kernel/bpf_hook.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/kmalloc.h>
#include <kernel/kprintf.h>
#include <kernel/shell.h>
#include <kernel/string.h>

#define BPF_MEM_MAX 4096 /* bytes of `mem-hex` */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode @p hex into a new buffer; *@p len = bytes. -EINVAL for odd or non-hex text. */
static int parse_hex(const char *hex, uint8_t **out, size_t *len, size_t max)
{
    size_t n = strlen(hex);
    if (n % 2 || n / 2 > max)
        return -EINVAL;
    uint8_t *b = kmalloc(n / 2 + 1);
    if (!b)
        return -ENOMEM;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            kfree(b);
            return -EINVAL;
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = b;
    *len = n / 2;
    return 0;
}

/* Load a program from raw instruction bytes or an ELF object. */
static int load_bytes(const void *data, size_t size, const char *name, const char *section,
                      const struct bpf_load_opts *opts, struct bpf_prog **out)
{
    char log[BPF_LOG_MAX];
    struct bpf_load_opts o = *opts;
    int rc;
    if (size >= 4 && memcmp(data, "\177ELF", 4) == 0) {
        rc = bpf_elf_load(data, size, section, &o, out, log, sizeof log);
    } else if (size % sizeof(struct bpf_insn)) {
        return shell_error(-EINVAL, "rejected: %s: %lu bytes is not whole instructions (8 bytes each)", name,
                           (unsigned long)size);
    } else {
        o.name = name;
        rc = bpf_prog_load(data, (uint32_t)(size / sizeof(struct bpf_insn) > BPF_MAX_INSNS ? BPF_MAX_INSNS + 1
                                                                                          : size / sizeof(struct bpf_insn)),
                           &o, out, log, sizeof log);
    }
    if (rc == -ENOMEM)
        return shell_error(rc, "bpf: %s: out of memory%s%s", name, log[0] ? ": " : "", log);
    if (rc)
        return shell_error(rc, "rejected: %s", log[0] ? log : "no reason given");
    if (!o.no_jit && !(*out)->jited && log[0])
        kprintf("bpf: %s: interpreted (%s)\n", name, log);
    return rc;
}

/* The last path component, for naming a program after its file. */
static const char *basename(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/')
            b = p + 1;
    return b;
}

/* Load, run on the given memory, print r0, free. @p path: the file it came
 * from (the name is its last component), or the name itself. */
static int run_program(const void *code, size_t code_len, const char *path, const char *mem_hex, int interp)
{
    const char *name = basename(path);
    uint8_t *mem = NULL;
    size_t mem_len = 0;
    if (mem_hex) {
        int rc = parse_hex(mem_hex, &mem, &mem_len, BPF_MEM_MAX);
        if (rc == -EINVAL)
            return shell_error(rc, "bpf: memory must be an even number of hex digits, at most %d bytes",
                               BPF_MEM_MAX);
        if (rc)
            return rc;
    } else if (!(mem = kzalloc(1))) {
        return -ENOMEM;
    }
    /* A program written for a hook reads that hook's context, not memory:
     * say where it belongs rather than let the verifier refuse its loads. */
    char sec[32];
    if (code_len >= 4 && memcmp(code, "\177ELF", 4) == 0 && bpf_elf_prog_section(code, code_len, sec, sizeof sec) == 0 &&
        bpf_hook_ctx(sec)) {
        kfree(mem);
        return shell_error(-EINVAL, "bpf: %s is a program for the %s hook: bpf attach %s %s", name, sec, sec,
                           path);
    }
    struct bpf_ctx_desc ctx = {"mem", (uint32_t)mem_len, 1, 1};
    struct bpf_load_opts opts = {name, &ctx, interp};
    struct bpf_prog *p;
    int rc = load_bytes(code, code_len, name, NULL, &opts, &p);
    if (rc == 0) {
        uint64_t r0 = bpf_prog_run(p, mem, mem_len);
        kprintf("r0 = 0x%lx\n", (unsigned long)r0); /* %#lx would print 0 bare */
        bpf_prog_free(p);
    }
    kfree(mem);
    return rc;
}

/* Remove "--interp" from argv; return whether it was there. */
static int take_interp(int *argc, char **argv)
{
    int found = 0;
    for (int i = 1; i < *argc; i++)
        if (strcmp(argv[i], "--interp") == 0) {
            found = 1;
            for (int k = i; k < *argc; k++)
                argv[k] = argv[k + 1];
            (*argc)--;
            i--;
        }
    return found;
}

static int open_file(const char *path, const void **data, size_t *size)
{
    int rc = initrd_find(path, data, size);
    if (rc)
        return shell_error(rc, "bpf: %s: %s", path,
                           rc == -ENOENT ? "no such file in the initrd" : "the initrd is damaged");
    return 0;
}

static int all_zero_value(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void print_bytes(const uint8_t *p, uint32_t n)
{
    if (n == 1 || n == 2 || n == 4 || n == 8) {
        uint64_t v = 0;
        memcpy(&v, p, n);
        kprintf("%lu", (unsigned long)v);
        return;
    }
    kprintf("0x");
    for (uint32_t i = 0; i < n; i++)
        kprintf("%02x", p[i]);
}

static int map_dump(const char *arg)
{
    uint64_t id;
    if (kstrtou64(arg, 0, &id) || id > 0xffffffffu)
        return shell_usage("bpf");
    struct bpf_map *m = bpf_map_get((uint32_t)id);
    if (!m)
        return shell_error(-ENOENT, "bpf: no map %lu", (unsigned long)id);
    uint8_t *key = kmalloc(m->key_size), *next = kmalloc(m->key_size), *val = kmalloc(m->value_size);
    int rc = key && next && val ? 0 : -ENOMEM;
    unsigned shown = 0, more = 0;
    kprintf("map %u %s: %s, key %u bytes, value %u bytes, %u entries\n", m->id, m->name,
            m->type == BPF_MAP_TYPE_HASH ? "hash" : "array", m->key_size, m->value_size, m->max_entries);
    for (int first = 1; rc == 0 && bpf_map_next_key(m, first ? NULL : key, next) == 0; first = 0) {
        memcpy(key, next, m->key_size);
        const void *v = bpf_map_lookup(m, key);
        if (!v)
            continue; /* deleted meanwhile */
        memcpy(val, v, m->value_size);
        if (m->type == BPF_MAP_TYPE_ARRAY && all_zero_value(val, m->value_size))
            continue; /* arrays: only the entries something wrote */
        if (shown == 256) {
            more++;
            continue;
        }
        kprintf("  ");
        print_bytes(key, m->key_size);
        kprintf(": ");
        print_bytes(val, m->value_size);
        kprintf("\n");
        shown++;
    }
    if (more)
        kprintf("  ... and %u more\n", more);
    kfree(key);
    kfree(next);
    kfree(val);
    bpf_map_put(m);
    return rc;
}

static void map_list(void)
{
    unsigned shown = 0;
    for (uint32_t id = bpf_map_next_id(0); id; id = bpf_map_next_id(id)) {
        struct bpf_map *m = bpf_map_get(id);
        if (!m)
            continue;
        if (!shown++)
            kprintf("  id  name              type   key  value  entries\n");
        kprintf("%4u  %-16s  %-5s  %3u  %5u  %7u\n", m->id, m->name,
                m->type == BPF_MAP_TYPE_HASH ? "hash" : "array", m->key_size, m->value_size, m->max_entries);
        bpf_map_put(m);
    }
    if (!shown)
        kprintf("no maps\n");
}

static int cmd_bpf(int argc, char **argv)
{
    int interp = take_interp(&argc, argv);
    if (argc < 2)
        return shell_usage(argv[0]);
    const char *sub = argv[1];
    if (strcmp(sub, "run") == 0 && (argc == 3 || argc == 4)) {
        const void *data;
        size_t size;
        int rc = open_file(argv[2], &data, &size);
        return rc ? rc : run_program(data, size, argv[2], argc == 4 ? argv[3] : NULL, interp);
    }
    if (strcmp(sub, "exec") == 0 && (argc == 3 || argc == 4)) {
        uint8_t *code;
        size_t len;
        int rc = parse_hex(argv[2], &code, &len, (size_t)BPF_MAX_INSNS * 8);
        if (rc == -EINVAL)
            return shell_error(rc, "bpf: the program must be hex digits, 16 per instruction, at most %d instructions",
                               BPF_MAX_INSNS);
        if (rc)
            return rc;
        rc = run_program(code, len, "exec", argc == 4 ? argv[3] : NULL, interp);
        kfree(code);
        return rc;
    }
    if (strcmp(sub, "attach") == 0 && (argc == 4 || argc == 5)) {
        const struct bpf_ctx_desc *ctx = bpf_hook_ctx(argv[2]);
        if (!ctx)
            return shell_error(-ENOENT, "bpf: no hook '%s' (sched_switch, irq, blk_complete)", argv[2]);
        const void *data;
        size_t size;
        int rc = open_file(argv[3], &data, &size);
        if (rc)
            return rc;
        struct bpf_load_opts opts = {NULL, ctx, interp};
        struct bpf_prog *p;
        rc = load_bytes(data, size, basename(argv[3]), argc == 5 ? argv[4] : NULL, &opts, &p);
        if (rc)
            return rc;
        unsigned id;
        rc = bpf_hook_attach(argv[2], p, &id);
        if (rc) {
            bpf_prog_free(p);
            return shell_error(rc, "bpf: %s: not attached to %s: %s", basename(argv[3]), argv[2],
                               rc == -ENOSPC ? "all its slots are taken" : rc == -ENOMEM ? "out of memory"
                                                                         : "the program is not of its type");
        }
        kprintf("attached %s to %s as %u", p->name, argv[2], id);
        for (uint32_t i = 0; i < p->nmaps; i++)
            kprintf("%s map %u (%s)", i ? "," : ";", p->maps[i]->id, p->maps[i]->name);
        kprintf("\n");
        return 0;
    }
    if (strcmp(sub, "detach") == 0 && argc == 3) {
        uint64_t id;
        if (kstrtou64(argv[2], 0, &id) || id > 0xffffffffu)
            return shell_usage(argv[0]);
        int rc = bpf_hook_detach((unsigned)id);
        if (rc)
            return shell_error(rc, "bpf: no attachment %lu", (unsigned long)id);
        kprintf("detached %lu\n", (unsigned long)id);
        return 0;
    }
    if (strcmp(sub, "list") == 0 && argc == 2) {
        bpf_hook_list();
        return 0;
    }
    if (strcmp(sub, "map") == 0 && argc == 3 && strcmp(argv[2], "list") == 0) {
        map_list();
        return 0;
    }
    if (strcmp(sub, "map") == 0 && argc == 4 && strcmp(argv[2], "dump") == 0)
        return map_dump(argv[3]);
    return shell_usage(argv[0]);
}
/* The table the shell parses `bpf <sub>` with (counts include --interp);
 * each goes to cmd_bpf() with the whole line, argv[-1] being "bpf". */
static int bpf_sub(int argc, char **argv) { return cmd_bpf(argc + 1, argv - 1); }

static const struct shell_sub bpf_subs[] = {
    {"run", "[--interp] <file> [mem-hex]", 1, 3, bpf_sub},
    {"exec", "[--interp] <program-hex> [mem-hex]", 1, 3, bpf_sub},
    {"attach", "[--interp] <hook> <file> [section]", 2, 4, bpf_sub},
    {"detach", "<id>", 1, 1, bpf_sub},
    {"list", "", 0, 0, bpf_sub},
    {"map", "list | dump <id>", 1, 2, bpf_sub},
    {NULL, NULL, 0, 0, NULL},
};
SHELL_COMMAND_SUBS("bpf", "load, verify and run eBPF programs; attach them to kernel events", bpf_subs);

/* <hook> in a usage: the eBPF hooks, for tab completion. */
static void hook_words(shell_word_fn add, void *acc)
{
    for (unsigned i = 0; bpf_hook_name(i); i++)
        add(acc, bpf_hook_name(i), strlen(bpf_hook_name(i)));
}
SHELL_WORDS("<hook>", hook_words);
