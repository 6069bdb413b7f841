/**
 * @file kernel/bpf.h
 * @brief eBPF: instructions (RFC 9669), programs, the verifier, the
 *        interpreter, the per-arch JITs, maps and helpers.
 *
 * A program goes through one path, whatever it came from (raw instruction
 * bytes, `bpf exec` hex, an ELF object from `clang -target bpf`):
 *
 *  1. bpf_prog_load() copies the instructions, resolves map references
 *     (`lddw rX, map` with src = BPF_PSEUDO_MAP_ID and imm = the map's id)
 *     into the map's kernel address, and runs the verifier (bpf_verify()).
 *     A program it rejects is freed; the message names the instruction and
 *     the reason ("insn 7: r3 is not initialised").
 *  2. The JIT of the arch (bpf_jit_compile(), arch/ARCH/bpf_jit.c) turns
 *     the verified instructions into machine code in code memory
 *     (kernel/jit.h), sealed read+execute, with the symbol "bpf:<name>"
 *     (and "bpf:<name>.f<insn>" for each program-local function) so a
 *     fault inside it names the program. If the JIT cannot, or is not
 *     asked to, the interpreter (bpf_interp()) runs the program.
 *  3. bpf_prog_run() calls the program: r1 = ctx, r2 = the second argument
 *     (the context's size when ctx.r2_size is set), r10 = the top of the
 *     call frame's stack (up to 512 bytes); the result is r0.
 *
 * Both engines implement the same semantics (RFC 9669 section 4): 32-bit
 * ALU results are zero-extended to 64 bits, shift counts are masked to the
 * operand width, unsigned division by zero gives 0 and modulo by zero
 * leaves the dividend (its low 32 bits for 32-bit ops), and signed division
 * of the smallest value by -1 gives the smallest value (modulo: 0).
 *
 * The whole core (everything but the kernel's code memory and hooks) also
 * builds in the host preset, where tests run it against a corpus and
 * fuzzers; there code memory is mmap()ed (arch/host/host_jit.c).
 */
#ifndef KERNEL_BPF_H
#define KERNEL_BPF_H

#include <stddef.h>
#include <stdint.h>

/* ---- Instruction encoding (RFC 9669, section 3) ---------------------- */

/** @brief One 64-bit instruction slot. `lddw` takes two; the second has
 *  code 0 and carries the upper 32 bits of the constant in imm. */
struct bpf_insn {
    uint8_t code;    /**< opcode: class | (op or size/mode) | source */
    uint8_t dst : 4; /**< destination register (low nibble, little-endian) */
    uint8_t src : 4; /**< source register */
    int16_t off;     /**< signed offset (jumps: in instructions; memory: bytes) */
    int32_t imm;     /**< signed immediate */
};
/** @cond */
_Static_assert(sizeof(struct bpf_insn) == 8, "bpf_insn is 8 bytes");
/** @endcond */

/** @name Instruction classes (code & 0x07) */
/** @{ */
#define BPF_LD 0x00 /**< class: wide loads (only lddw is supported) */
#define BPF_LDX 0x01 /**< class: load from memory into dst */
#define BPF_ST 0x02 /**< class: store an immediate */
#define BPF_STX 0x03 /**< class: store a register, or an atomic operation */
#define BPF_ALU 0x04 /**< class: 32-bit arithmetic */
#define BPF_JMP 0x05 /**< class: 64-bit compares and jumps, call, exit */
#define BPF_JMP32 0x06 /**< class: 32-bit compares and jumps */
#define BPF_ALU64 0x07 /**< class: 64-bit arithmetic */
#define BPF_CLASS(code) ((code) & 0x07) /**< the class of an opcode */
/** @} */

/** @name Load/store size (code & 0x18) and mode (code & 0xe0) */
/** @{ */
#define BPF_W 0x00 /**< size: 4 bytes */
#define BPF_H 0x08 /**< size: 2 bytes */
#define BPF_B 0x10 /**< size: 1 byte */
#define BPF_DW 0x18 /**< size: 8 bytes */
#define BPF_SIZE(code) ((code) & 0x18) /**< the size field of a load/store opcode */
#define BPF_IMM 0x00 /**< mode: 64-bit immediate (lddw) */
#define BPF_ABS 0x20 /**< mode: legacy packet access (not supported) */
#define BPF_IND 0x40 /**< mode: legacy packet access (not supported) */
#define BPF_MEM 0x60 /**< mode: regular load/store */
#define BPF_MEMSX 0x80 /**< mode: sign-extending load */
#define BPF_ATOMIC 0xc0 /**< mode: atomic operation (imm says which) */
#define BPF_MODE(code) ((code) & 0xe0) /**< the mode field of a load/store opcode */
/** @} */

/** @name Arithmetic and jump source (code & 0x08), operation (code & 0xf0) */
/** @{ */
#define BPF_K 0x00 /**< operand is imm */
#define BPF_X 0x08 /**< operand is src */
#define BPF_SRC(code) ((code) & 0x08) /**< the source bit of an arithmetic or jump opcode */
#define BPF_OP(code) ((code) & 0xf0) /**< the operation field of an arithmetic or jump opcode */
#define BPF_ADD 0x00 /**< dst += src */
#define BPF_SUB 0x10 /**< dst -= src */
#define BPF_MUL 0x20 /**< dst *= src */
#define BPF_DIV 0x30 /**< off 1: signed (SDIV) */
#define BPF_OR 0x40 /**< dst |= src */
#define BPF_AND 0x50 /**< dst &= src */
#define BPF_LSH 0x60 /**< dst <<= src (masked) */
#define BPF_RSH 0x70 /**< dst >>= src, logical (masked) */
#define BPF_NEG 0x80 /**< dst = -dst */
#define BPF_MOD 0x90 /**< off 1: signed (SMOD) */
#define BPF_XOR 0xa0 /**< dst ^= src */
#define BPF_MOV 0xb0 /**< off 8/16/32: sign-extending MOVSX */
#define BPF_ARSH 0xc0 /**< dst >>= src, arithmetic (masked) */
#define BPF_END 0xd0 /**< byte swap: BPF_ALU|BPF_TO_LE/BE, or BPF_ALU64 (unconditional) */
#define BPF_TO_LE 0x00 /**< END: convert to little-endian */
#define BPF_TO_BE 0x08 /**< END: convert to big-endian */
#define BPF_JA 0x00 /**< BPF_JMP32|BPF_JA is `gotol`: offset in imm */
#define BPF_JEQ 0x10 /**< jump if dst == src */
#define BPF_JGT 0x20 /**< jump if dst > src, unsigned */
#define BPF_JGE 0x30 /**< jump if dst >= src, unsigned */
#define BPF_JSET 0x40 /**< jump if dst & src */
#define BPF_JNE 0x50 /**< jump if dst != src */
#define BPF_JSGT 0x60 /**< jump if dst > src, signed */
#define BPF_JSGE 0x70 /**< jump if dst >= src, signed */
#define BPF_CALL 0x80 /**< call a helper (src 0) or a local function (src 1) */
#define BPF_EXIT 0x90 /**< return r0 */
#define BPF_JLT 0xa0 /**< jump if dst < src, unsigned */
#define BPF_JLE 0xb0 /**< jump if dst <= src, unsigned */
#define BPF_JSLT 0xc0 /**< jump if dst < src, signed */
#define BPF_JSLE 0xd0 /**< jump if dst <= src, signed */
/** @} */

/** @name Atomic operations (imm of BPF_STX|BPF_ATOMIC|BPF_W or BPF_DW) */
/** @{ */
#define BPF_FETCH 0x01 /**< atomic: src receives the old value */
#define BPF_XCHG (0xe0 | BPF_FETCH) /**< atomic exchange */
#define BPF_CMPXCHG (0xf0 | BPF_FETCH) /**< atomic compare (with r0) and exchange; r0 receives the old value */
/** @} */

/** @name Pseudo sources */
/** @{ */
#define BPF_PSEUDO_MAP_ID 1 /**< lddw src: imm is a map id, loads become its address */
#define BPF_PSEUDO_CALL 1   /**< call src: a program-local function at pc + imm + 1 */
/** @} */

/** @name Registers */
/** @{ */
#define BPF_REG_0 0 /**< return value, helper result */
#define BPF_REG_1 1 /**< first argument (the context at entry) */
#define BPF_REG_2 2 /**< second argument */
#define BPF_REG_3 3 /**< third argument */
#define BPF_REG_4 4 /**< fourth argument */
#define BPF_REG_5 5 /**< fifth argument */
#define BPF_REG_6 6 /**< callee-saved */
#define BPF_REG_7 7 /**< callee-saved */
#define BPF_REG_8 8 /**< callee-saved */
#define BPF_REG_9 9 /**< callee-saved */
#define BPF_REG_10 10 /**< read-only frame pointer */
#define BPF_NREGS 11 /**< registers r0..r10 */
/** @} */

/** @name Limits */
/** @{ */
#define BPF_MAX_INSNS 4096    /**< instruction slots in one program */
#define BPF_STACK_SIZE 512    /**< bytes of stack per call frame */
#define BPF_MAX_FRAMES 8      /**< call depth, the outermost frame included */
#define BPF_STACK_TOTAL 1024  /**< stack bytes of all frames of the deepest call chain */
#define BPF_MAX_SUBPROGS 64   /**< functions in one program, main included */
#define BPF_MAX_PROG_MAPS 16  /**< distinct maps one program uses */
#define BPF_NAME_MAX 32       /**< program and map names, NUL included */
#define BPF_LOG_MAX 256       /**< a verifier message */
/** @} */

/** @name Building instructions in C (tests, the corpus, built-in programs) */
/** @{ */
#define BPF_INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i)}) /**< any instruction slot */
#define BPF_ALU64_IMM(op, d, i) BPF_INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i) /**< 64-bit dst op= imm */
#define BPF_ALU64_REG(op, d, s) BPF_INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0) /**< 64-bit dst op= src */
#define BPF_ALU32_IMM(op, d, i) BPF_INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i) /**< 32-bit dst op= imm */
#define BPF_ALU32_REG(op, d, s) BPF_INSN(BPF_ALU | (op) | BPF_X, d, s, 0, 0) /**< 32-bit dst op= src */
#define BPF_MOV64_IMM(d, i) BPF_ALU64_IMM(BPF_MOV, d, i) /**< dst = imm (sign-extended) */
#define BPF_MOV64_REG(d, s) BPF_ALU64_REG(BPF_MOV, d, s) /**< dst = src */
#define BPF_MOV32_IMM(d, i) BPF_ALU32_IMM(BPF_MOV, d, i) /**< dst = (u32)imm */
#define BPF_LDX_MEM(sz, d, s, o) BPF_INSN(BPF_LDX | (sz) | BPF_MEM, d, s, o, 0) /**< dst = *(size *)(src + off) */
#define BPF_LDX_MEMSX(sz, d, s, o) BPF_INSN(BPF_LDX | (sz) | BPF_MEMSX, d, s, o, 0) /**< dst = *(signed size *)(src + off) */
#define BPF_STX_MEM(sz, d, s, o) BPF_INSN(BPF_STX | (sz) | BPF_MEM, d, s, o, 0) /**< *(size *)(dst + off) = src */
#define BPF_ST_MEM(sz, d, o, i) BPF_INSN(BPF_ST | (sz) | BPF_MEM, d, 0, o, i) /**< *(size *)(dst + off) = imm */
#define BPF_ATOMIC_OP(sz, op, d, s, o) BPF_INSN(BPF_STX | (sz) | BPF_ATOMIC, d, s, o, op) /**< atomic op on *(size *)(dst + off) with src */
#define BPF_JMP_IMM(op, d, i, o) BPF_INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i) /**< if (dst op imm) goto pc + 1 + off */
#define BPF_JMP_REG(op, d, s, o) BPF_INSN(BPF_JMP | (op) | BPF_X, d, s, o, 0) /**< if (dst op src) goto pc + 1 + off */
#define BPF_JMP32_IMM(op, d, i, o) BPF_INSN(BPF_JMP32 | (op) | BPF_K, d, 0, o, i) /**< 32-bit compare with imm and jump */
#define BPF_JMP32_REG(op, d, s, o) BPF_INSN(BPF_JMP32 | (op) | BPF_X, d, s, o, 0) /**< 32-bit compare with src and jump */
#define BPF_JMP_A(o) BPF_INSN(BPF_JMP | BPF_JA, 0, 0, o, 0) /**< goto pc + 1 + off */
#define BPF_JMP32_A(i) BPF_INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, i) /**< gotol */
#define BPF_CALL_HELPER(id) BPF_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id) /**< call helper id */
#define BPF_CALL_LOCAL(rel) BPF_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel) /**< call the function at pc + 1 + rel */
#define BPF_EXIT_INSN() BPF_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) /**< return r0 */
/** lddw: two slots. */
/** @brief dst = v (two slots) */
#define BPF_LD_IMM64(d, v)                                                        \
    BPF_INSN(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)), \
        BPF_INSN(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
/** @brief dst = the map with id (two slots; resolved at load) */
#define BPF_LD_MAP(d, id) \
    BPF_INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_ID, 0, id), BPF_INSN(0, 0, 0, 0, 0)
/** @} */

/* ---- Maps ------------------------------------------------------------- */

/** @brief Map types (the numbers Linux uses, so ELF objects agree). */
enum bpf_map_type {
    BPF_MAP_TYPE_HASH = 1,  /**< key -> value, max_entries preallocated */
    BPF_MAP_TYPE_ARRAY = 2, /**< u32 index -> value, all entries exist, zeroed */
};

/** @name bpf_map_update() flags */
/** @{ */
#define BPF_ANY 0     /**< create or replace */
#define BPF_NOEXIST 1 /**< create only */
#define BPF_EXIST 2   /**< replace only */
/** @} */

/**
 * @brief A map: fixed-size keys and values, every element allocated when
 *        the map is created, so lookups and updates never allocate and may
 *        run in interrupt handlers (the hooks do).
 */
struct bpf_map {
    uint32_t id;          /**< 1, 2, ...: what `bpf map dump <id>` and BPF_LD_MAP take */
    uint32_t type;        /**< enum bpf_map_type */
    uint32_t key_size;    /**< bytes (ARRAY: 4) */
    uint32_t value_size;  /**< bytes */
    uint32_t max_entries; /**< elements */
    char name[BPF_NAME_MAX]; /**< for `bpf map list` */
    void *impl;           /**< the type's storage (kernel/bpf/map.c) */
};

/**
 * @brief Create a map and give it the next id.
 * @param type enum bpf_map_type
 * @param key_size bytes, 1..64 (ARRAY: exactly 4)
 * @param value_size bytes, 1..4096
 * @param max_entries 1..65536
 * @param name for `bpf map list` (truncated to BPF_NAME_MAX - 1)
 * @param out receives the map
 * @retval 0 created, with one reference (the caller's)
 * @retval -EINVAL a size or count out of range, or an unknown type
 * @retval -ENOMEM no memory for the elements
 * @retval -ENOSPC the map table is full
 * @note Thread context.
 */
int bpf_map_create(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                   const char *name, struct bpf_map **out);
/** @brief The map with id @p id, with a new reference; NULL if none. Thread context. */
struct bpf_map *bpf_map_get(uint32_t id);
/** @brief Drop a reference; the last frees the map. Thread context. */
void bpf_map_put(struct bpf_map *map);
/** @brief The value for @p key, or NULL. ISR-safe, never allocates. */
void *bpf_map_lookup(struct bpf_map *map, const void *key);
/**
 * @brief Store @p value under @p key.
 * @retval 0 stored
 * @retval -EINVAL bad flags, or an ARRAY index out of range
 * @retval -EEXIST BPF_NOEXIST and the key exists
 * @retval -ENOENT BPF_EXIST and the key does not
 * @retval -E2BIG the HASH map is full
 * @note ISR-safe, never allocates.
 */
int bpf_map_update(struct bpf_map *map, const void *key, const void *value, uint64_t flags);
/** @brief Remove @p key: 0, -ENOENT, or -EINVAL for an ARRAY (its entries always exist). ISR-safe. */
int bpf_map_delete(struct bpf_map *map, const void *key);
/**
 * @brief The key after @p key in the map's order (the first if @p key is
 *        NULL or not in the map), copied to @p next.
 * @retval 0 found
 * @retval -ENOENT @p key was the last
 * @note ISR-safe. For dumping: a concurrent update may be seen or not.
 */
int bpf_map_next_key(struct bpf_map *map, const void *key, void *next);
/** @brief Walk the live maps: the first with @p prev 0, then the id after @p prev; 0 at the end. */
uint32_t bpf_map_next_id(uint32_t prev);

/* ---- Helpers ---------------------------------------------------------- */

/** @brief What a helper argument must be; the verifier checks each call. */
enum bpf_arg {
    BPF_ARG_NONE = 0,      /**< unused (and everything after it) */
    BPF_ARG_ANYTHING,      /**< any initialised scalar */
    BPF_ARG_MAP,           /**< a map address from BPF_LD_MAP */
    BPF_ARG_MAP_KEY,       /**< readable memory of the map's key_size (stack or map value) */
    BPF_ARG_MAP_VALUE,     /**< readable memory of the map's value_size */
};

/** @brief What a helper returns. */
enum bpf_ret {
    BPF_RET_INTEGER = 0,         /**< a scalar */
    BPF_RET_MAP_VALUE_OR_NULL,   /**< a map value of the BPF_ARG_MAP argument's map, or 0 */
};

/** @brief The C type every helper has: five arguments, one result. */
typedef uint64_t (*bpf_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);

/** @brief One helper programs may call (`call <id>`), and its checked signature. */
struct bpf_helper {
    const char *name; /**< for messages */
    bpf_helper_fn fn; /**< the function */
    uint8_t ret;     /**< enum bpf_ret */
    uint8_t args[5]; /**< enum bpf_arg for r1..r5 */
};

/** @name Helper ids (Linux's numbers, so clang-built objects call the same ones) */
/** @{ */
#define BPF_FUNC_map_lookup_elem 1 /**< void *(map, key) */
#define BPF_FUNC_map_update_elem 2 /**< long (map, key, value, flags) */
#define BPF_FUNC_map_delete_elem 3 /**< long (map, key) */
#define BPF_FUNC_ktime_get_ns 5 /**< u64 (): hal_time_ns() */
#define BPF_FUNC_get_prandom_u32 7 /**< u32 (): pseudo-random */
#define BPF_FUNC_get_smp_processor_id 8 /**< u32 (): hal_cpu_id() */
/** @} */

/** @brief The whitelisted helper @p id, or NULL: the only functions a program can call. Any context. */
const struct bpf_helper *bpf_helper_get(int32_t id);

/* ---- Programs ----------------------------------------------------------- */

/** @brief What r1 points at when a program runs: a program type. */
struct bpf_ctx_desc {
    const char *name; /**< "mem", "sched_switch", ... */
    uint32_t size;    /**< bytes r1 points at; accesses are checked against it */
    uint8_t writable; /**< stores to the context allowed */
    uint8_t r2_size;  /**< r2 holds @c size at entry (a known scalar); else r2 is not initialised */
};

/** @brief A loaded, verified program. */
struct bpf_prog {
    char name[BPF_NAME_MAX];        /**< for `bpf list` and the symbol "bpf:" + name */
    struct bpf_ctx_desc ctx;        /**< copied at load */
    struct bpf_insn *insns;         /**< len slots, map references resolved to addresses */
    uint32_t len;                   /**< instruction slots */
    struct bpf_map *maps[BPF_MAX_PROG_MAPS]; /**< referenced maps, one reference each */
    uint32_t nmaps;                 /**< entries of maps */
    /** Functions, from the verifier: subprog_start[0] = 0 is the main program,
     *  the others are the targets of BPF_PSEUDO_CALL, ascending. */
    uint32_t subprog_start[BPF_MAX_SUBPROGS];
    /** Bytes of stack each function uses below its r10 (a multiple of 8,
     *  at most BPF_STACK_SIZE), from the verifier: the JITs size frames by it. */
    uint16_t stack_depth[BPF_MAX_SUBPROGS];
    uint32_t nsubprogs;             /**< functions, main included */
    /** Set by the JIT: the entry point, and its code memory (kernel/jit.h). */
    uint64_t (*jited)(const void *ctx, uint64_t r2);
    struct jit_region *jit;         /**< the JIT's code memory, or NULL */
    uint32_t jit_size; /**< bytes of machine code */
};

/** @brief How bpf_prog_load() should treat the program. */
struct bpf_load_opts {
    const char *name;                /**< program name (symbol "bpf:<name>") */
    const struct bpf_ctx_desc *ctx;  /**< program type */
    int no_jit;                      /**< 1: interpreter only */
};

/**
 * @brief Copy, resolve, verify and (unless opts->no_jit) JIT a program.
 * @param insns the instruction slots (copied)
 * @param len their number
 * @param opts name and context
 * @param out receives the program
 * @param log receives a one-line message on failure (may be NULL)
 * @param logsz its size
 * @retval 0 loaded
 * @retval -EINVAL the verifier rejected it (log says where and why)
 * @retval -E2BIG more than BPF_MAX_INSNS, or 0 slots
 * @retval -ENOENT a BPF_LD_MAP names no map
 * @retval -ENOMEM out of memory
 * A JIT failure is not an error: the program falls back to the interpreter
 * (and the log says why). Nothing stays allocated on failure.
 * @note Thread context.
 */
int bpf_prog_load(const struct bpf_insn *insns, uint32_t len, const struct bpf_load_opts *opts,
                  struct bpf_prog **out, char *log, size_t logsz);

/**
 * @brief Load the program in an ELF object from `clang -target bpf -O2 -c`
 *        (kernel/bpf/elf.c): create its maps (SEC("maps") definitions of
 *        five u32: type, key_size, value_size, max_entries, flags), link
 *        the .text functions it calls, then bpf_prog_load().
 * @param elf the object's bytes
 * @param size their number
 * @param section the program's section, or NULL for the first executable
 *        section other than .text (else .text)
 * @param opts as for bpf_prog_load(); a NULL name takes the program's function name
 * @param out receives the program
 * @param log receives a one-line message on failure
 * @param logsz its size
 * @retval 0 loaded
 * @retval -ENOEXEC a malformed object, an unknown relocation, a reference
 *         to something that is not a map or a .text function
 * @retval -ENOENT no section @p section
 * @return otherwise what bpf_map_create() or bpf_prog_load() returned.
 *         Nothing stays allocated on failure.
 * @note Thread context.
 */
int bpf_elf_load(const void *elf, size_t size, const char *section, const struct bpf_load_opts *opts,
                 struct bpf_prog **out, char *log, size_t logsz);

/**
 * @brief The section bpf_elf_load() would take the program from when given
 *        none: its name into @p name (@p n bytes), e.g. "sched_switch" for
 *        a program written for that hook.
 * @return 0, -ENOEXEC (not an object it could load), -ENOENT (no program
 *         section) or -ENOMEM
 * @note Thread context.
 */
int bpf_elf_prog_section(const void *elf, size_t size, char *name, size_t n);

/** @brief Free a program, its code memory and its map references. NULL is ignored. Thread context. */
void bpf_prog_free(struct bpf_prog *prog);

/** @brief Run @p prog: JITed code if any, else the interpreter. ISR-safe. */
static inline uint64_t bpf_prog_run(const struct bpf_prog *prog, const void *ctx, uint64_t r2);

/**
 * @brief The interpreter: run a verified program.
 * @return r0 at the outermost exit
 * @note ISR-safe, never allocates. The program's stack frames live on the
 *       caller's stack (at most BPF_STACK_TOTAL bytes, plus about 1 KiB).
 */
uint64_t bpf_interp(const struct bpf_prog *prog, const void *ctx, uint64_t r2);

/** @brief What the taint oracle (bpf_interp_taint()) saw leave a program. */
struct bpf_taint {
    int leaked;     /**< 1: a value derived from a kernel address left the program */
    uint32_t insn;  /**< the instruction it left by (the first time) */
    char where[64]; /**< how: "r0 at exit", "a store to the context", ... */
};

/**
 * @brief The interpreter in taint mode: the test oracle for "no pointer
 *        leaves a program", which the verifier must guarantee.
 *
 * Runs @p prog exactly as bpf_interp() does, and beside every register and
 * every stack byte keeps one bit: derived from a kernel address. The
 * context pointer, r10, map addresses (lddw) and map values a helper
 * returns are such addresses; arithmetic, moves, loads and stores carry the
 * bit, atomics merge it. A tainted value that reaches r0 at the outermost
 * exit, any store outside the stack (the context, a map value), or a
 * helper's argument (a number, or a key or value it reads) is a leak; the
 * first one is described in @p t. Control flow is not tracked: the
 * verifier lets a pointer be compared only with 0.
 * @param prog a verified program (or, in the oracle's own tests, one built to leak)
 * @param ctx  r1: the context
 * @param r2   r2
 * @param t    receives the verdict (required)
 * @return r0 at the outermost exit, as bpf_interp()
 * @note For tests and fuzzers: slower than the interpreter (a bit to carry
 *       beside every value), and 1 KiB more stack. ISR-safe, never allocates.
 */
uint64_t bpf_interp_taint(const struct bpf_prog *prog, const void *ctx, uint64_t r2, struct bpf_taint *t);

static inline uint64_t bpf_prog_run(const struct bpf_prog *prog, const void *ctx, uint64_t r2)
{
    return prog->jited ? prog->jited(ctx, r2) : bpf_interp(prog, ctx, r2);
}

/**
 * @brief The verifier (kernel/bpf/verifier.c): prove @p prog safe.
 *
 * Fills prog->subprog_start, stack_depth and nsubprogs. Checks, over every path: each
 * opcode is known and well-formed (reserved fields zero, lddw whole,
 * jumps inside the program and not into the middle of a lddw, no fall off
 * the end), registers are written before they are read and r10 is never
 * written, memory is accessed only inside the context, the frame's stack
 * (initialised bytes only for reads) and map values, with pointer
 * offsets and scalar bounds tracked, helpers are whitelisted and get the
 * argument types they declare, a map value from a lookup is checked
 * against NULL before use, every loop ends (exploration is bounded: a
 * program needing more than a million instructions explored is rejected
 * as too complex), calls nest at most BPF_MAX_FRAMES deep, every function
 * returns with r0 set, no function calls itself (directly or not), and the
 * frames of a call chain need at most BPF_STACK_TOTAL bytes of stack.
 * @param prog a program whose insns/len/ctx/maps are filled in
 * @param log receives "insn N: reason" on rejection
 * @param logsz its size
 * @retval 0 safe
 * @retval -EINVAL rejected
 * @retval -ENOMEM out of memory for the exploration
 * @note Thread context.
 */
int bpf_verify(struct bpf_prog *prog, char *log, size_t logsz);

/**
 * @brief The arch JIT (arch/ARCH/bpf_jit.c): compile a verified program,
 *        set prog->jited, prog->jit and prog->jit_size.
 * @retval 0 compiled, sealed, symbols registered
 * @retval -ENOTSUP this arch has no JIT, or an instruction it cannot compile
 * @retval -ENOMEM no code memory
 * @note Thread context. Never called on a program bpf_verify() rejected.
 */
int bpf_jit_compile(struct bpf_prog *prog, char *log, size_t logsz);

/**
 * @brief 1 if this architecture has an eBPF JIT, 0 if every program runs in
 *        the interpreter. Optional for an arch: the weak default
 *        (kernel/lib/arch_defaults.c) says 0 alongside the bpf_jit_compile()
 *        that refuses; an arch/ARCH/bpf_jit.c defines both. Tests of the JIT
 *        itself ask it, so an arch without one reports them as not
 *        applicable, never as passed.
 * @note Any context.
 */
int bpf_jit_available(void);

/** @brief Undo bpf_jit_compile(): free the code memory, clear prog->jited
 *  (kernel/bpf/prog.c, the same for every arch). */
void bpf_jit_free(struct bpf_prog *prog);

/**
 * @brief For the arch JITs: which of the callee-saved registers r6-r9
 *        function @p k of @p prog writes (as a destination of ALU, loads
 *        and lddw, or the source a fetching atomic other than cmpxchg
 *        overwrites), so its prologue saves only those.
 * @return a mask, bit n for r6 + n
 * @note Any context; @p k < prog->nsubprogs.
 */
unsigned bpf_subprog_written_r6_r9(const struct bpf_prog *prog, unsigned k);

struct jit_region;

/**
 * @brief For the arch JITs: name every function of @p prog in its code
 *        memory, "bpf:<name>" for the entry and "bpf:<name>.f<insn>" for a
 *        local function starting at instruction insn, so faults and
 *        backtraces in JITed code say which program.
 * @param prog the program being compiled
 * @param r its code memory
 * @param func_off where each function's code starts, prog->nsubprogs entries, ascending
 * @param end where the last function's code ends
 * @param unit bytes per unit of @p func_off and @p end (1, or 4 for fixed-size instructions)
 * @return 0, or jit_add_symbol()'s error
 */
int bpf_jit_add_symbols(const struct bpf_prog *prog, struct jit_region *r, const uint32_t *func_off, uint32_t end,
                        uint32_t unit);

/**
 * @brief One arch's JIT backend as bpf_jit_build() drives it: a pass over
 *        the program that measures or emits, and the arch's rule for when
 *        the layout is final.
 *
 * Every JIT lays code out before it knows where jumps land, so all of them
 * measure first, allocate code memory of that size, then emit; they differ
 * only in how many passes settle the layout: none where sizes do not
 * depend on offsets, relaxing (shortening branches) before allocating, or
 * shrinking jumps while emitting, once the code's address is known.
 */
struct bpf_jit_ops {
    const char *name; /**< the log's prefix, "<arch> JIT" */
    uint32_t unit;    /**< bytes per unit of sizes and offsets (1, or 4 for fixed-size instructions) */
    /**
     * @brief One pass over the program from its first instruction.
     * @param jit the arch's state, bpf_jit_build()'s @p jit
     * @param code where the code goes (NULL: measure only), run from there
     * @param cap units @p code holds (0 while measuring)
     * @param size receives the units this pass laid out
     * @return 0, or a negative errno with the log written
     */
    int (*pass)(void *jit, void *code, uint32_t cap, uint32_t *size);
    /** @brief Optional: after a measuring pass, nonzero if a better layout
     *  exists (another measuring pass follows, up to max_passes). */
    int (*relax)(void *jit);
    /** @brief Optional: after an emitting pass, nonzero if its code is
     *  final (else another emitting pass follows, up to max_passes).
     *  Without it one emitting pass is final if it is the measured size. */
    int (*settled)(void *jit);
    /** @brief Where each function's code starts after the last pass, in units
     *  (bpf_jit_add_symbols()'s @p func_off). */
    const uint32_t *(*func_offsets)(void *jit);
    unsigned max_passes; /**< most passes relax() or settled() may ask for */
};

/**
 * @brief For the arch JITs, before they allocate anything: refuse, with
 *        "<name>: no functions" in @p log, a program without the function
 *        table the verifier fills (main function at 0).
 * @retval 0 compilable shape
 * @retval -ENOTSUP not
 */
int bpf_jit_check_prog(const struct bpf_prog *prog, const struct bpf_jit_ops *ops, char *log, size_t logsz);

/**
 * @brief For the arch JITs: the passes, the code memory and the program's
 *        JIT fields, around @p ops.
 *
 * Measures (and relaxes) without code memory, allocates the measured size,
 * emits until settled, names the functions (bpf_jit_add_symbols()), seals
 * the code and sets prog->jit, jit_size and jited. On failure nothing of
 * @p prog changes and the code memory is freed.
 * @param prog the program, verified (or built by a test with its function table)
 * @param ops the arch's backend
 * @param jit the arch's state, handed to each op
 * @param log receives why not, if not NULL
 * @param logsz bytes @p log holds
 * @return 0, the first failing pass's error, -ENOMEM (no code memory: said
 *         in @p log), -ENOTSUP (the layout did not settle: said in @p log),
 *         or the error of naming or sealing the code
 * @note Thread context; allocates code memory.
 */
int bpf_jit_build(struct bpf_prog *prog, const struct bpf_jit_ops *ops, void *jit, char *log, size_t logsz);

#endif
