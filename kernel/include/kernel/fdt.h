/**
 * @file kernel/fdt.h
 * @brief Read-only, bounds-checked access to a flattened device tree (DTB).
 *
 * fdt_init() validates the whole blob once: header, block bounds, and every
 * token of the structure block (names terminated, property data inside the
 * block, property names inside the strings block, nodes balanced, FDT_END
 * present). The accessors still check every read, because node offsets come
 * from callers, so a wrong offset gives an error instead of a wild read.
 *
 * A node is named by its offset in the structure block (an int >= 0); a
 * negative int is an error (-ENOENT: no such node, -EINVAL: malformed).
 * Values in a DTB are big-endian and the blob may sit at any alignment, so
 * every multi-byte load goes through fdt_be32()/fdt_be64(). No function
 * allocates or writes to the blob; all are safe to call before the MMU is on.
 *
 * Index: walking the blob for a node's parent, next sibling or phandle is
 * O(tree), and boot asks those questions hundreds of times (under TCG the
 * scans were a visible part of boot). fdt_index() records every node once, in
 * document order (its offset, parent, next sibling, depth and phandle), in
 * storage the caller provides; the tree walks then answer from the index.
 * Offsets a caller passes are still checked against the blob first, and an
 * offset the index does not know (not one of the tree's nodes) takes the
 * unindexed path, so results are the same with and without an index.
 */
#ifndef KERNEL_FDT_H
#define KERNEL_FDT_H

#include <stddef.h>
#include <stdint.h>

/** @brief One node in an fdt_index(): everything the tree walks need. */
struct fdt_node_ix {
    uint32_t off;     /**< BEGIN_NODE offset in the structure block */
    int32_t parent;   /**< entry of the parent, -1 for the root */
    int32_t next;     /**< entry of the next sibling, -1 for the last child */
    uint32_t depth;   /**< 0 for the root */
    uint32_t phandle; /**< "phandle" (else "linux,phandle") if one valid cell, else 0 */
};

/** @brief A validated device tree blob; fill it with fdt_init(). */
struct fdt {
    const uint8_t *blob;  /**< start of the blob */
    uint32_t size;        /**< header totalsize: bytes of the blob */
    uint32_t struct_off;  /**< structure block offset in the blob */
    uint32_t struct_size; /**< structure block bytes, up to and including FDT_END */
    uint32_t strings_off; /**< strings block offset in the blob */
    uint32_t strings_size;/**< strings block bytes */
    uint32_t rsv_off;     /**< memory reservation block offset in the blob */
    uint32_t rsv_count;   /**< /memreserve/ entries before the 0,0 terminator */
    const struct fdt_node_ix *ix; /**< node index (fdt_index()), or NULL */
    uint32_t nix;         /**< entries in ix */
};

/** @brief Big-endian 32-bit value at @p p, which may be unaligned. */
static inline uint32_t fdt_be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/** @brief Big-endian 64-bit value at @p p, which may be unaligned. */
static inline uint64_t fdt_be64(const void *p)
{
    const uint8_t *b = p;
    return (uint64_t)fdt_be32(b) << 32 | fdt_be32(b + 4);
}

/** @brief A number of @p n (0-2) big-endian cells at @p p, as in "reg" and "ranges". */
static inline uint64_t fdt_read_cells(const void *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 32 | fdt_be32((const uint8_t *)p + 4 * i);
    return v;
}

/**
 * @brief Validate the blob at @p blob, of which at most @p avail bytes may be read.
 * @retval 0 valid; @p fdt describes it
 * @retval -EINVAL bad magic or version, totalsize > @p avail, a block outside
 *         totalsize or misaligned, or a malformed structure or reservation block
 */
int fdt_init(struct fdt *fdt, const void *blob, uint64_t avail);

/**
 * @brief Index every node of @p fdt (see the file comment) in @p buf, and
 *        use it from then on. Without enough room, @p fdt stays unindexed
 *        and still works.
 * @param fdt a tree from fdt_init(); gains the index
 * @param buf storage for @p max entries; must outlive every use of @p fdt
 *        (and of copies of it made afterwards)
 * @param max entries @p buf holds
 * @retval 0 indexed
 * @retval -ENOSPC more than @p max nodes, or nested deeper than 64
 * @note One walk of the structure block; no allocation; any context.
 */
int fdt_index(struct fdt *fdt, struct fdt_node_ix *buf, uint32_t max);

/** @brief The root node, or -EINVAL. */
int fdt_root(const struct fdt *fdt);

/**
 * @brief The node after @p node in document order (depth first).
 * @param fdt the tree
 * @param node a node of it
 * @param depth if not NULL, adjusted by the levels moved (+1 to a child,
 *        0 to a sibling, -k up), and the walk ends with -ENOENT when an
 *        END_NODE takes *depth below 0: start at a node with *depth = 0 to
 *        walk just its subtree. With NULL the walk runs to the end of the tree.
 * @retval -ENOENT no more nodes
 * @retval -EINVAL @p node is not a node
 */
int fdt_next_node(const struct fdt *fdt, int node, int *depth);

/** @brief First child of @p node; -ENOENT if it has none, -EINVAL if not a node. */
int fdt_first_child(const struct fdt *fdt, int node);

/** @brief Next sibling of @p node; -ENOENT after the last, -EINVAL if not a node. */
int fdt_next_sibling(const struct fdt *fdt, int node);

/**
 * @brief Parent of @p node (from the index, else found by a walk down from
 *        the root, O(tree size)).
 * @retval -ENOENT @p node is the root, or an offset that looks like a node
 *         but is not one of the tree's (e.g. inside a property value)
 * @retval -EINVAL @p node is not a BEGIN_NODE token
 */
int fdt_parent(const struct fdt *fdt, int node);

/**
 * @brief Name of @p node with its unit address ("uart@9000000"; "" for the root).
 * @param fdt the tree
 * @param node a node of it
 * @param len if not NULL, receives strlen of the name
 * @return a NUL-terminated string inside the blob, or NULL if @p node is not a node
 */
const char *fdt_node_name(const struct fdt *fdt, int node, size_t *len);

/**
 * @brief Child of @p parent called @p name. A @p name without '@' also
 *        matches a child whose name has a unit address ("memory" finds
 *        "memory@40000000"); the first match in document order wins.
 * @retval -ENOENT no such child
 */
int fdt_subnode(const struct fdt *fdt, int parent, const char *name);

/**
 * @brief Node at absolute @p path ("/", "/chosen", "/soc/uart@1000").
 *        Components are matched as by fdt_subnode().
 * @retval -ENOENT no such node
 * @retval -EINVAL @p path does not start with '/'
 */
int fdt_path(const struct fdt *fdt, const char *path);

/**
 * @brief Like fdt_path(), but a path not starting with '/' begins with an
 *        alias from /aliases ("serial0" or "serial0/child"), and a ':' ends
 *        the path, so a raw /chosen/stdout-path value ("serial0:115200n8")
 *        resolves as is.
 * @retval -ENOENT no such node or alias
 * @retval -EINVAL the alias value is not a terminated absolute path
 */
int fdt_resolve_path(const struct fdt *fdt, const char *path);

/** @brief First property of @p node (an offset like a node's); -ENOENT if none. */
int fdt_first_prop(const struct fdt *fdt, int node);

/** @brief Property after @p prop in the same node; -ENOENT after the last. */
int fdt_next_prop(const struct fdt *fdt, int prop);

/**
 * @brief Name, value and length of the property at offset @p prop.
 * @param fdt the tree
 * @param prop a property offset (fdt_first_prop(), fdt_next_prop())
 * @param name receives the NUL-terminated name (may be NULL)
 * @param len receives the value's length in bytes (may be NULL)
 * @return the value inside the blob (unaligned), or NULL if @p prop is not a property
 */
const void *fdt_prop_at(const struct fdt *fdt, int prop, const char **name, uint32_t *len);

/**
 * @brief Value of property @p name of @p node.
 * @param fdt the tree
 * @param node a node of it
 * @param name the property's name
 * @param len if not NULL, receives the value's length in bytes
 * @return a pointer into the blob (unaligned; a zero-length property gives a
 *         valid non-NULL pointer), or NULL if absent or @p node is not a node
 */
const void *fdt_getprop(const struct fdt *fdt, int node, const char *name, uint32_t *len);

/**
 * @brief Read a one-cell property into @p out.
 * @retval 0 read
 * @retval -ENOENT absent
 * @retval -EINVAL not 4 bytes
 */
int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out);

/**
 * @brief Read a number of one or two cells into @p out (e.g.
 *        linux,initrd-start, whose width the bootloader picks).
 * @retval 0 read
 * @retval -ENOENT absent
 * @retval -EINVAL neither 4 nor 8 bytes
 */
int fdt_prop_num(const struct fdt *fdt, int node, const char *name, uint64_t *out);

/** @brief A string property, or NULL if absent or not NUL-terminated inside its value. */
const char *fdt_prop_string(const struct fdt *fdt, int node, const char *name);

/**
 * @brief Whether the string list @p list (@p len bytes of NUL-terminated
 *        strings, as in "compatible") contains @p str exactly. A final string
 *        missing its NUL is ignored.
 */
int fdt_stringlist_contains(const char *list, uint32_t len, const char *str);

/** @brief Whether @p node's "compatible" list contains @p compat. */
int fdt_node_is_compatible(const struct fdt *fdt, int node, const char *compat);

/** @brief Whether @p node is enabled: "status" absent, "okay" or "ok". */
int fdt_node_is_available(const struct fdt *fdt, int node);

/**
 * @brief Next node after @p start (document order) compatible with @p compat.
 * @param fdt the tree
 * @param start a node, or a negative value to search the whole tree from the root
 * @param compat the "compatible" string to look for
 * @retval -ENOENT no further match
 */
int fdt_find_compatible(const struct fdt *fdt, int start, const char *compat);

/**
 * @brief Node whose "phandle" (or legacy "linux,phandle") is @p phandle.
 * @retval -ENOENT none, or @p phandle is 0 or 0xffffffff (never valid)
 */
int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle);

/**
 * @brief \#address-cells that @p node gives its children's reg (default 2).
 * @retval -EINVAL the property is not one cell or exceeds 4
 */
int fdt_addr_cells(const struct fdt *fdt, int node);

/**
 * @brief \#size-cells that @p node gives its children's reg (default 1).
 * @retval -EINVAL the property is not one cell or exceeds 4
 */
int fdt_size_cells(const struct fdt *fdt, int node);

/**
 * @brief Entry @p index of @p node's "reg", decoded with its parent's
 *        \#address-cells (1 or 2) and \#size-cells (0, 1 or 2; 0 gives size 0,
 *        as for /cpus/cpu\@N). Addresses are the parent bus's; no "ranges"
 *        translation is applied.
 * @retval 0 *base and *size set
 * @retval -ENOENT no reg, @p index past its last entry, or @p node is the root
 * @retval -EINVAL unsupported cell counts, or reg not a whole number of entries
 */
int fdt_reg(const struct fdt *fdt, int node, unsigned index, uint64_t *base, uint64_t *size);
/**
 * @brief fdt_reg() for a caller that already knows @p node's parent (a tree
 *        walk does), which saves the O(tree) parent search.
 */
int fdt_reg_in(const struct fdt *fdt, int parent, int node, unsigned index, uint64_t *base,
               uint64_t *size);

/** @brief Number of /memreserve/ entries (the 0,0 terminator not counted). */
uint32_t fdt_rsv_count(const struct fdt *fdt);

/**
 * @brief /memreserve/ entry @p index.
 * @retval 0 *base and *size set
 * @retval -ENOENT @p index out of range
 */
int fdt_rsv_entry(const struct fdt *fdt, uint32_t index, uint64_t *base, uint64_t *size);

#endif
