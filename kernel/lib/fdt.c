/**
 * @file fdt.c
 * @brief Bounds-checked flattened-device-tree reader (Devicetree Specification v0.4, ch. 5).
 *
 * Layout of a blob: a header, the memory reservation block (pairs of
 * big-endian u64 base/size ending in 0,0), the structure block (a stream of
 * 4-byte-aligned tokens: BEGIN_NODE name, PROP len nameoff value, END_NODE,
 * NOP, and one final END) and the strings block holding property names.
 *
 * Everything funnels through token_at(), which decodes one token and checks
 * that it and its payload lie inside the structure block, so no caller-made
 * offset can lead to a read outside the blob. Every loop advances by at
 * least one token, so every walk ends.
 */
#include <kernel/errno.h>
#include <kernel/fdt.h>
#include <kernel/string.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_HEADER_V16 36u /* up to size_dt_strings */
#define FDT_HEADER_V17 40u /* adds size_dt_struct */

enum { TOK_BEGIN_NODE = 1, TOK_END_NODE = 2, TOK_PROP = 3, TOK_NOP = 4, TOK_END = 9 };

/* One decoded structure-block token. */
struct token {
    uint32_t tag;
    uint32_t next;    /* offset of the following token */
    uint32_t data;    /* BEGIN_NODE: name offset; PROP: value offset */
    uint32_t len;     /* BEGIN_NODE: name length; PROP: value length */
    uint32_t nameoff; /* PROP: name offset in the strings block */
};

static const uint8_t *struct_block(const struct fdt *f)
{
    return f->blob + f->struct_off;
}

/* Decode the token at structure offset @p pos; -EINVAL if it or its payload
 * (name with NUL, property value, padding) does not fit in the block. */
static int token_at(const struct fdt *f, uint32_t pos, struct token *t)
{
    if (pos % 4 || pos > f->struct_size || f->struct_size - pos < 4)
        return -EINVAL;
    const uint8_t *s = struct_block(f);
    uint32_t room = f->struct_size - pos - 4;
    uint64_t end = (uint64_t)pos + 4; /* 64-bit: len near 2^32 must not wrap */
    *t = (struct token){.tag = fdt_be32(s + pos), .data = pos + 4};
    switch (t->tag) {
    case TOK_BEGIN_NODE:
        t->len = (uint32_t)strnlen((const char *)s + pos + 4, room);
        if (t->len == room)
            return -EINVAL; /* the name runs off the block */
        end += t->len + 1;
        break;
    case TOK_PROP:
        if (room < 8)
            return -EINVAL;
        t->len = fdt_be32(s + pos + 4);
        t->nameoff = fdt_be32(s + pos + 8);
        t->data = pos + 12;
        end = (uint64_t)t->data + t->len;
        break;
    case TOK_END_NODE:
    case TOK_NOP:
    case TOK_END:
        break;
    default:
        return -EINVAL;
    }
    end = (end + 3) & ~(uint64_t)3;
    if (end > f->struct_size)
        return -EINVAL;
    t->next = (uint32_t)end;
    return 0;
}

/* The string at @p off in the strings block, or NULL unless its NUL is inside the block. */
__attribute__((noinline)) static const char *string_at(const struct fdt *f, uint32_t off)
{
    if (off >= f->strings_size)
        return NULL;
    const char *s = (const char *)f->blob + f->strings_off + off;
    uint32_t room = f->strings_size - off;
    return strnlen(s, room) < room ? s : NULL;
}

__attribute__((noinline)) static int node_token(const struct fdt *f, int node, struct token *t)
{
    if (node < 0 || token_at(f, (uint32_t)node, t) || t->tag != TOK_BEGIN_NODE)
        return -EINVAL;
    return 0;
}

/* Whether [off, off + size) lies after the header and inside the blob, without wrapping. */
static int block_inside(uint32_t header, uint32_t total, uint32_t off, uint32_t size)
{
    return off >= header && off <= total && size <= total - off;
}

/* Count /memreserve/ entries; the block has no size field, only a 0,0 end. */
static int check_rsvmap(struct fdt *f)
{
    for (uint64_t off = f->rsv_off; off + 16 <= f->size; off += 16) {
        const uint8_t *e = f->blob + off;
        if (fdt_be64(e) == 0 && fdt_be64(e + 8) == 0) {
            f->rsv_count = (uint32_t)((off - f->rsv_off) / 16);
            return 0;
        }
    }
    return -EINVAL;
}

/* One pass over the structure block: one root, balanced nodes, properties
 * only inside nodes with names in the strings block, and an END token.
 * Shrinks struct_size to end at that token. */
static int check_structure(struct fdt *f)
{
    struct token t;
    int depth = 0, roots = 0;
    for (uint32_t pos = 0; token_at(f, pos, &t) == 0; pos = t.next) {
        switch (t.tag) {
        case TOK_BEGIN_NODE:
            if (depth == 0 && roots++)
                return -EINVAL;
            depth++;
            break;
        case TOK_END_NODE:
            if (depth-- == 0)
                return -EINVAL;
            break;
        case TOK_PROP:
            if (depth == 0 || !string_at(f, t.nameoff))
                return -EINVAL;
            break;
        case TOK_END:
            if (depth || !roots)
                return -EINVAL;
            f->struct_size = t.next;
            return 0;
        }
    }
    return -EINVAL;
}

int fdt_init(struct fdt *fdt, const void *blob, uint64_t avail)
{
    const uint8_t *b = blob;
    if (!b || avail < FDT_HEADER_V16 || fdt_be32(b) != FDT_MAGIC)
        return -EINVAL;
    uint32_t total = fdt_be32(b + 4), version = fdt_be32(b + 20);
    if (version < 16 || fdt_be32(b + 24) > 17)
        return -EINVAL;
    uint32_t header = version >= 17 ? FDT_HEADER_V17 : FDT_HEADER_V16;
    if (total < header || total > avail)
        return -EINVAL;
    struct fdt f = {
        .blob = b, .size = total, .struct_off = fdt_be32(b + 8), .strings_off = fdt_be32(b + 12),
        .rsv_off = fdt_be32(b + 16), .strings_size = fdt_be32(b + 32),
    };
    /* v16 has no size_dt_struct: bound it by the blob, check_structure trims it. */
    if (version >= 17)
        f.struct_size = fdt_be32(b + 36);
    else if (f.struct_off <= total)
        f.struct_size = total - f.struct_off;
    if (!block_inside(header, total, f.struct_off, f.struct_size) ||
        !block_inside(header, total, f.strings_off, f.strings_size) ||
        !block_inside(header, total, f.rsv_off, 0) || f.struct_off % 4 || f.rsv_off % 8 ||
        f.struct_size > INT32_MAX) /* node offsets are ints */
        return -EINVAL;
    if (check_rsvmap(&f) || check_structure(&f))
        return -EINVAL;
    *fdt = f;
    return 0;
}

#define IX_MAX_DEPTH 64

int fdt_index(struct fdt *fdt, struct fdt_node_ix *buf, uint32_t max)
{
    int32_t open[IX_MAX_DEPTH], last[IX_MAX_DEPTH]; /* per depth: open node, its last child */
    int depth = -1;
    uint32_t n = 0;
    /* Per open node: whether a "phandle"/"linux,phandle" was seen (the first
     * of a name counts, as fdt_getprop finds it) and its value if valid. */
    uint8_t seen[IX_MAX_DEPTH][2];
    uint32_t val[IX_MAX_DEPTH][2];
    struct token t;
    fdt->ix = NULL;
    fdt->nix = 0;
    for (uint32_t pos = 0; token_at(fdt, pos, &t) == 0; pos = t.next) {
        switch (t.tag) {
        case TOK_BEGIN_NODE:
            if (n == max || depth + 1 == IX_MAX_DEPTH)
                return -ENOSPC;
            depth++;
            buf[n] = (struct fdt_node_ix){.off = pos, .parent = depth ? open[depth - 1] : -1,
                                          .next = -1, .depth = (uint32_t)depth};
            if (depth && last[depth - 1] >= 0)
                buf[last[depth - 1]].next = (int32_t)n;
            if (depth)
                last[depth - 1] = (int32_t)n;
            open[depth] = (int32_t)n++;
            last[depth] = -1;
            seen[depth][0] = seen[depth][1] = 0;
            break;
        case TOK_PROP: {
            /* Most names start with neither letter: one byte read decides. */
            const uint8_t *first = fdt->blob + fdt->strings_off + t.nameoff;
            if (t.nameoff >= fdt->strings_size || (*first != 'p' && *first != 'l'))
                break;
            const char *name = string_at(fdt, t.nameoff);
            int k = !name ? -1 : strcmp(name, "phandle") == 0 ? 0
                               : strcmp(name, "linux,phandle") == 0 ? 1 : -1;
            if (depth >= 0 && k >= 0 && !seen[depth][k]) {
                seen[depth][k] = t.len == 4 ? 2 : 1; /* 2: valid */
                val[depth][k] = t.len == 4 ? fdt_be32(struct_block(fdt) + t.data) : 0;
            }
            break;
        }
        case TOK_END_NODE:
            if (depth < 0)
                return -EINVAL; /* fdt_init rules this out */
            buf[open[depth]].phandle = seen[depth][0] == 2 ? val[depth][0]
                                       : seen[depth][1] == 2 ? val[depth][1] : 0;
            depth--;
            break;
        case TOK_END:
            fdt->ix = buf;
            fdt->nix = n;
            return 0;
        }
    }
    return -EINVAL;
}

/* Index entry of the node at @p off, or -1 (no index, or not a node of the tree). */
__attribute__((noinline)) static int ix_find(const struct fdt *fdt, int off)
{
    if (!fdt->ix)
        return -1;
    uint32_t lo = 0, hi = fdt->nix;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (fdt->ix[mid].off < (uint32_t)off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < fdt->nix && fdt->ix[lo].off == (uint32_t)off ? (int)lo : -1;
}

int fdt_root(const struct fdt *fdt)
{
    struct token t;
    for (uint32_t pos = 0; token_at(fdt, pos, &t) == 0; pos = t.next) {
        if (t.tag == TOK_BEGIN_NODE)
            return (int)pos;
        if (t.tag != TOK_NOP)
            break;
    }
    return -EINVAL;
}

/* fdt_next_node from index entry @p i: the walk passes one END_NODE per
 * level it climbs, each of which may end it (see fdt_next_node). */
__attribute__((noinline)) static int ix_next_node(const struct fdt *fdt, int i, int *depth)
{
    const struct fdt_node_ix *e = fdt->ix;
    uint32_t ends = e[i].depth + 1 - ((uint32_t)i + 1 < fdt->nix ? e[i + 1].depth : 0);
    if (depth) {
        if ((int64_t)*depth - ends < 0) {
            *depth = -1;
            return -ENOENT;
        }
        *depth -= (int)ends;
    }
    if ((uint32_t)i + 1 == fdt->nix)
        return -ENOENT;
    if (depth)
        ++*depth;
    return (int)e[i + 1].off;
}

int fdt_next_node(const struct fdt *fdt, int node, int *depth)
{
    struct token t;
    if (node_token(fdt, node, &t))
        return -EINVAL;
    int i = ix_find(fdt, node);
    if (i >= 0)
        return ix_next_node(fdt, i, depth);
    for (uint32_t pos = t.next; token_at(fdt, pos, &t) == 0; pos = t.next) {
        switch (t.tag) {
        case TOK_BEGIN_NODE:
            if (depth)
                ++*depth;
            return (int)pos;
        case TOK_END_NODE:
            if (depth && --*depth < 0)
                return -ENOENT;
            break;
        case TOK_END:
            return -ENOENT;
        }
    }
    return -EINVAL;
}

int fdt_first_child(const struct fdt *fdt, int node)
{
    int i = ix_find(fdt, node);
    if (i >= 0) {
        const struct fdt_node_ix *e = fdt->ix;
        return (uint32_t)i + 1 < fdt->nix && e[i + 1].parent == i ? (int)e[i + 1].off : -ENOENT;
    }
    /* The next node is a child unless node's END_NODE comes first (depth -1). */
    int depth = 0;
    return fdt_next_node(fdt, node, &depth);
}

int fdt_next_sibling(const struct fdt *fdt, int node)
{
    int i = ix_find(fdt, node);
    if (i >= 0)
        return fdt->ix[i].next >= 0 ? (int)fdt->ix[fdt->ix[i].next].off : -ENOENT;
    /* Count from 1 so that leaving the parent drops below 0 and ends the walk. */
    int depth = 1;
    do
        node = fdt_next_node(fdt, node, &depth);
    while (node >= 0 && depth > 1);
    return node;
}

int fdt_parent(const struct fdt *fdt, int node)
{
    struct token t;
    if (node_token(fdt, node, &t))
        return -EINVAL;
    int i = ix_find(fdt, node);
    if (i >= 0)
        return fdt->ix[i].parent >= 0 ? (int)fdt->ix[fdt->ix[i].parent].off : -ENOENT;
    int cur = fdt_root(fdt);
    if (cur < 0 || cur == node)
        return -ENOENT;
    /* Descend: node lies in the subtree of the last child starting at or
     * before it. cur only grows, so this ends even for a fake offset. */
    for (;;) {
        int best = -ENOENT;
        for (int c = fdt_first_child(fdt, cur); c >= 0 && c <= node; c = fdt_next_sibling(fdt, c))
            best = c;
        if (best < 0)
            return -ENOENT;
        if (best == node)
            return cur;
        cur = best;
    }
}

const char *fdt_node_name(const struct fdt *fdt, int node, size_t *len)
{
    struct token t;
    if (node_token(fdt, node, &t))
        return NULL;
    if (len)
        *len = t.len;
    return (const char *)struct_block(fdt) + t.data;
}

/* Whether node name @p name matches path component @p comp (not NUL-terminated). */
static int name_matches(const char *name, size_t nlen, const char *comp, size_t clen)
{
    if (nlen < clen || memcmp(name, comp, clen) != 0)
        return 0;
    if (nlen == clen)
        return 1;
    for (size_t i = 0; i < clen; i++)
        if (comp[i] == '@')
            return 0; /* a component with a unit address must match exactly */
    return name[clen] == '@';
}

static int subnode_n(const struct fdt *fdt, int parent, const char *name, size_t len)
{
    int c;
    for (c = fdt_first_child(fdt, parent); c >= 0; c = fdt_next_sibling(fdt, c)) {
        size_t nlen;
        const char *n = fdt_node_name(fdt, c, &nlen);
        if (n && name_matches(n, nlen, name, len))
            return c;
    }
    return c;
}

int fdt_subnode(const struct fdt *fdt, int parent, const char *name)
{
    return subnode_n(fdt, parent, name, strlen(name));
}

/* Follow the '/'-separated components in [p, end) down from @p node. */
__attribute__((noinline)) static int walk_path(const struct fdt *fdt, int node, const char *p, const char *end)
{
    for (;;) {
        while (p < end && *p == '/')
            p++;
        if (p == end || node < 0)
            return node;
        const char *comp = p;
        while (p < end && *p != '/')
            p++;
        node = subnode_n(fdt, node, comp, (size_t)(p - comp));
    }
}

int fdt_path(const struct fdt *fdt, const char *path)
{
    if (path[0] != '/')
        return -EINVAL;
    return walk_path(fdt, fdt_root(fdt), path, path + strlen(path));
}

__attribute__((noinline)) static int prop_from(const struct fdt *fdt, uint32_t pos)
{
    /* A node's properties come before its first child (spec 5.4.1). */
    struct token t;
    for (; token_at(fdt, pos, &t) == 0; pos = t.next) {
        if (t.tag == TOK_PROP)
            return (int)pos;
        if (t.tag != TOK_NOP)
            return -ENOENT;
    }
    return -EINVAL;
}

int fdt_first_prop(const struct fdt *fdt, int node)
{
    struct token t;
    if (node_token(fdt, node, &t))
        return -EINVAL;
    return prop_from(fdt, t.next);
}

int fdt_next_prop(const struct fdt *fdt, int prop)
{
    struct token t;
    if (prop < 0 || token_at(fdt, (uint32_t)prop, &t) || t.tag != TOK_PROP)
        return -EINVAL;
    return prop_from(fdt, t.next);
}

const void *fdt_prop_at(const struct fdt *fdt, int prop, const char **name, uint32_t *len)
{
    struct token t;
    const char *n;
    if (prop < 0 || token_at(fdt, (uint32_t)prop, &t) || t.tag != TOK_PROP ||
        !(n = string_at(fdt, t.nameoff)))
        return NULL;
    if (name)
        *name = n;
    if (len)
        *len = t.len;
    return struct_block(fdt) + t.data;
}

/* Whether the validated, NUL-terminated @p s is exactly the @p nlen bytes at
 * @p name (which hold no NUL): stops at the first difference, which for a
 * shorter @p s is its NUL, so it reads no further than either string. */
static int name_eq(const char *s, const char *name, size_t nlen)
{
    size_t i = 0;
    while (i < nlen && s[i] == name[i])
        i++;
    return i == nlen && s[i] == 0;
}

static const void *getprop_n(const struct fdt *fdt, int node, const char *name, size_t nlen,
                             uint32_t *len)
{
    if (ix_find(fdt, node) >= 0) {
        /* An indexed node is one of the tree's, so its property tokens are
         * the ones fdt_init checked, names included: no re-validation of
         * each name (token_at still bounds every token). */
        struct token t;
        uint32_t pos;
        if (node_token(fdt, node, &t))
            return NULL;
        for (pos = t.next; token_at(fdt, pos, &t) == 0; pos = t.next) {
            if (t.tag == TOK_NOP)
                continue;
            if (t.tag != TOK_PROP || t.nameoff >= fdt->strings_size)
                return NULL;
            if (name_eq((const char *)fdt->blob + fdt->strings_off + t.nameoff, name, nlen)) {
                if (len)
                    *len = t.len;
                return struct_block(fdt) + t.data;
            }
        }
        return NULL;
    }
    for (int p = fdt_first_prop(fdt, node); p >= 0; p = fdt_next_prop(fdt, p)) {
        const char *pname;
        const void *v = fdt_prop_at(fdt, p, &pname, len);
        if (v && strnlen(pname, nlen + 1) == nlen && memcmp(pname, name, nlen) == 0)
            return v;
    }
    return NULL;
}

const void *fdt_getprop(const struct fdt *fdt, int node, const char *name, uint32_t *len)
{
    return getprop_n(fdt, node, name, strlen(name), len);
}

int fdt_resolve_path(const struct fdt *fdt, const char *path)
{
    const char *end = path, *alias_end = path;
    while (*end && *end != ':')
        end++;
    if (*path == '/')
        return walk_path(fdt, fdt_root(fdt), path, end);
    while (alias_end < end && *alias_end != '/')
        alias_end++;
    if (alias_end == path)
        return -ENOENT;
    int aliases = fdt_subnode(fdt, fdt_root(fdt), "aliases");
    uint32_t len;
    const char *target = getprop_n(fdt, aliases, path, (size_t)(alias_end - path), &len);
    if (!target)
        return -ENOENT;
    /* Aliases name full paths; refusing alias-to-alias also rules out loops. */
    if (strnlen(target, len) == len || target[0] != '/')
        return -EINVAL;
    return walk_path(fdt, fdt_path(fdt, target), alias_end, end);
}

int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out)
{
    uint32_t len;
    const void *v = fdt_getprop(fdt, node, name, &len);
    if (!v)
        return -ENOENT;
    if (len != 4)
        return -EINVAL;
    *out = fdt_be32(v);
    return 0;
}

int fdt_prop_num(const struct fdt *fdt, int node, const char *name, uint64_t *out)
{
    uint32_t len;
    const void *v = fdt_getprop(fdt, node, name, &len);
    if (!v)
        return -ENOENT;
    if (len != 4 && len != 8)
        return -EINVAL;
    *out = len == 4 ? fdt_be32(v) : fdt_be64(v);
    return 0;
}

const char *fdt_prop_string(const struct fdt *fdt, int node, const char *name)
{
    uint32_t len;
    const char *s = fdt_getprop(fdt, node, name, &len);
    return s && strnlen(s, len) < len ? s : NULL;
}

int fdt_stringlist_contains(const char *list, uint32_t len, const char *str)
{
    size_t want = strlen(str);
    while (len > 0) {
        size_t n = strnlen(list, len);
        if (n == len)
            return 0; /* unterminated tail */
        if (n == want && memcmp(list, str, n) == 0)
            return 1;
        list += n + 1;
        len -= (uint32_t)n + 1;
    }
    return 0;
}

int fdt_node_is_compatible(const struct fdt *fdt, int node, const char *compat)
{
    uint32_t len;
    const char *list = fdt_getprop(fdt, node, "compatible", &len);
    return list && fdt_stringlist_contains(list, len, compat);
}

int fdt_node_is_available(const struct fdt *fdt, int node)
{
    if (!fdt_getprop(fdt, node, "status", NULL))
        return 1;
    const char *s = fdt_prop_string(fdt, node, "status");
    return s && (strcmp(s, "okay") == 0 || strcmp(s, "ok") == 0);
}

int fdt_find_compatible(const struct fdt *fdt, int start, const char *compat)
{
    int node = start < 0 ? fdt_root(fdt) : fdt_next_node(fdt, start, NULL);
    for (; node >= 0; node = fdt_next_node(fdt, node, NULL))
        if (fdt_node_is_compatible(fdt, node, compat))
            return node;
    return node;
}

int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle)
{
    if (phandle == 0 || phandle == 0xffffffffu)
        return -ENOENT;
    if (fdt->ix) {
        for (uint32_t i = 0; i < fdt->nix; i++)
            if (fdt->ix[i].phandle == phandle)
                return (int)fdt->ix[i].off;
        return -ENOENT;
    }
    int node;
    for (node = fdt_root(fdt); node >= 0; node = fdt_next_node(fdt, node, NULL)) {
        uint32_t v;
        if ((fdt_prop_u32(fdt, node, "phandle", &v) == 0 ||
             fdt_prop_u32(fdt, node, "linux,phandle", &v) == 0) && v == phandle)
            return node;
    }
    return node;
}

__attribute__((noinline)) static int cells(const struct fdt *fdt, int node, const char *name, int fallback)
{
    uint32_t v;
    if (!fdt_node_name(fdt, node, NULL))
        return -EINVAL;
    int err = fdt_prop_u32(fdt, node, name, &v);
    if (err == -ENOENT)
        return fallback;
    return err || v > 4 ? -EINVAL : (int)v;
}

int fdt_addr_cells(const struct fdt *fdt, int node)
{
    return cells(fdt, node, "#address-cells", 2);
}

int fdt_size_cells(const struct fdt *fdt, int node)
{
    return cells(fdt, node, "#size-cells", 1);
}

int fdt_reg(const struct fdt *fdt, int node, unsigned index, uint64_t *base, uint64_t *size)
{
    int parent = fdt_parent(fdt, node);
    if (parent < 0)
        return parent;
    return fdt_reg_in(fdt, parent, node, index, base, size);
}

int fdt_reg_in(const struct fdt *fdt, int parent, int node, unsigned index, uint64_t *base,
               uint64_t *size)
{
    int ac = fdt_addr_cells(fdt, parent), sc = fdt_size_cells(fdt, parent);
    if (ac < 1 || ac > 2 || sc < 0 || sc > 2)
        return -EINVAL;
    uint32_t len, entry = 4 * (uint32_t)(ac + sc);
    const uint8_t *reg = fdt_getprop(fdt, node, "reg", &len);
    if (!reg)
        return -ENOENT;
    if (len % entry)
        return -EINVAL;
    if (index >= len / entry)
        return -ENOENT;
    reg += (size_t)index * entry;
    *base = fdt_read_cells(reg, ac);
    *size = fdt_read_cells(reg + 4 * ac, sc);
    return 0;
}

uint32_t fdt_rsv_count(const struct fdt *fdt)
{
    return fdt->rsv_count;
}

int fdt_rsv_entry(const struct fdt *fdt, uint32_t index, uint64_t *base, uint64_t *size)
{
    if (index >= fdt->rsv_count)
        return -ENOENT;
    const uint8_t *e = fdt->blob + fdt->rsv_off + (size_t)index * 16;
    *base = fdt_be64(e);
    *size = fdt_be64(e + 8);
    return 0;
}
