#!/usr/bin/env python3
"""Damaged copies of ELF objects, in the shapes a fuzzing campaign found the
module loader and the eBPF ELF loader mishandled (issue 23), for the initrd's
bad modules and the fuzzers' seed corpora.

    elf-shapes.py ko SHAPE IN OUT
        write IN with SHAPE applied to OUT
    elf-shapes.py seeds FUZZER OUTDIR INDEX=PATH [INDEX=PATH ...]
        for each object (INDEX: the fuzzer's number for it) and each shape
        that applies, write one input for tests/fuzz/FUZZER.c to OUTDIR,
        and OUTDIR/seeds.txt, their paths comma-separated, for libFuzzer's
        -seed_inputs=@OUTDIR/seeds.txt

Module shapes (an ET_REL module with module_name):
  name-nobits   module_name's section made NOBITS (the name was empty)
  name-reloc    a relocation aimed at module_name (the name was "T\\x03")
  name-ctrl     module_name holding a control byte, "T\\x03"
  name-empty    module_name ""
  name-long     module_name longer than MODULE_NAME_MAX - 1 (as long as
                its section allows, up to 40)
  name-unterm   module_name without its NUL
  symsize       a function of st_size 0xffffffffffffffff (offset + size
                wrapped; the load failed with no reason)
eBPF shapes (clang -target bpf objects):
  maps-nobits   the "maps" section made NOBITS
  prog-nobits   the program's section made NOBITS
  symsize       the program's function of st_size 0xffffffffffffffff
  reloc-wrap    a relocation at offset 0xffffffffffffffff
  map-wrap      a map symbol at offset 0xffffffffffffffff
  strtab-nobits the symbol names' section made NOBITS

A fuzzer input is the fuzzer's choice of object, then (offset low, offset
high, byte) patches: the bytes where the shape differs from the object.
fuzz_bpf_elf reads two more bytes (a truncation length, unused here) first.
"""
import os
import struct
import sys

SHT_NOBITS, SHT_SYMTAB, SHT_RELA, SHT_REL = 8, 2, 4, 9
STT_FUNC, SHF_EXECINSTR = 2, 4
SHDR = struct.Struct("<IIQQQQIIQQ")  # name type flags addr offset size link info addralign entsize
SYM = struct.Struct("<IBBHQQ")  # name info other shndx value size
RELA = struct.Struct("<QQq")
REL = struct.Struct("<QQ")


class Elf:
    def __init__(self, data):
        self.d = bytearray(data)
        if self.d[:4] != b"\x7fELF" or self.d[4] != 2 or self.d[5] != 1:
            sys.exit("elf-shapes: not a 64-bit little-endian ELF object")
        self.shoff = struct.unpack_from("<Q", self.d, 0x28)[0]
        self.shnum, self.shstrndx = struct.unpack_from("<HH", self.d, 0x3C)
        shstr = self.sh(self.shstrndx)
        self.names = [self.cstr(shstr[4] + self.sh(i)[0]) for i in range(self.shnum)]
        self.symtab = next((i for i in range(self.shnum) if self.sh(i)[1] == SHT_SYMTAB), None)

    def cstr(self, off):
        return bytes(self.d[off:self.d.index(0, off)]).decode("latin-1")

    def sh(self, i):
        return SHDR.unpack_from(self.d, self.shoff + i * SHDR.size)

    def set_sh(self, i, field, value):
        v = list(self.sh(i))
        v[field] = value
        SHDR.pack_into(self.d, self.shoff + i * SHDR.size, *v)

    def section(self, name):
        return self.names.index(name) if name in self.names else None

    def syms(self):
        """(index, file offset of the entry, name, fields) of each symbol."""
        st = self.sh(self.symtab)
        strtab = self.sh(st[6])
        for k in range(1, st[5] // SYM.size):
            off = st[4] + k * SYM.size
            f = SYM.unpack_from(self.d, off)
            yield k, off, self.cstr(strtab[4] + f[0]), f

    def sym(self, name):
        return next(((off, f) for _, off, n, f in self.syms() if n == name), (None, None))

    def set_sym(self, off, field, value):
        v = list(SYM.unpack_from(self.d, off))
        v[field] = value
        SYM.pack_into(self.d, off, *v)

    def relocs(self, i):
        """File offsets of the entries of relocation section @i."""
        s = self.sh(i)
        size = RELA.size if s[1] == SHT_RELA else REL.size
        return [s[4] + k * size for k in range(s[5] // size)]


def name_bytes(e):
    off, f = e.sym("module_name")
    if off is None or f[3] == 0 or f[3] >= e.shnum or e.sh(f[3])[1] == SHT_NOBITS:
        return None
    s = e.sh(f[3])
    return s[4] + f[4], s[5] - f[4], f  # file offset, room in the section, the symbol


def shape_name_nobits(e):
    off, f = e.sym("module_name")
    if off is None or f[3] == 0 or f[3] >= e.shnum:
        return False
    e.set_sh(f[3], 1, SHT_NOBITS)
    return True


def shape_name_reloc(e):
    nb = name_bytes(e)
    if not nb:
        return False
    f = nb[2]
    relas = [i for i in range(e.shnum) if e.sh(i)[1] == SHT_RELA]
    # a relocation section for module_name's own section, or the smallest other
    own = [i for i in relas if e.sh(i)[7] == f[3]]
    pick = own[0] if own else min(relas, key=lambda i: e.sh(i)[5], default=None)
    if pick is None:
        return False
    e.set_sh(pick, 7, f[3])
    for r in e.relocs(pick):
        struct.pack_into("<Q", e.d, r, f[4])
    return True


def put_name(e, text, terminate=True):
    nb = name_bytes(e)
    if not nb:
        return False
    off, room, f = nb
    if f[5]:
        room = min(room, f[5])
    if len(text) + terminate > room:
        return False
    e.d[off:off + len(text)] = text
    if terminate:
        e.d[off + len(text)] = 0
    return True


def shape_name_ctrl(e):
    return put_name(e, b"T\x03")


def shape_name_empty(e):
    return put_name(e, b"")


def shape_name_long(e):
    nb = name_bytes(e)
    if not nb or nb[1] < 33:
        return False
    off, f = e.sym("module_name")
    n = min(40, nb[1] - 1)
    e.set_sym(off, 5, n + 1)  # the object grows over what follows it
    return put_name(e, b"a" * n)


def shape_name_unterm(e):
    nb = name_bytes(e)
    if not nb:
        return False
    off, room, f = nb
    end = e.d.index(0, off)
    if end - off >= room:
        return False
    e.d[end] = ord("x")
    return True


def function(e, exec_only):
    """A function symbol, preferring one not at offset 0 (where off + size wraps)."""
    funcs = [(off, f) for _, off, n, f in e.syms()
             if f[1] & 0xF == STT_FUNC and 0 < f[3] < e.shnum and
             (not exec_only or e.sh(f[3])[2] & SHF_EXECINSTR)]
    funcs.sort(key=lambda of: of[1][4] == 0)
    return funcs[0] if funcs else (None, None)


def shape_symsize(e):
    off, f = function(e, True)
    if off is None:
        return False
    e.set_sym(off, 5, 0xFFFFFFFFFFFFFFFF)
    return True


def set_type(e, name, t):
    i = e.section(name)
    if i is None:
        return False
    e.set_sh(i, 1, t)
    return True


def shape_maps_nobits(e):
    return set_type(e, "maps", SHT_NOBITS)


def program_section(e):
    text = e.section(".text")
    for i in range(1, e.shnum):
        s = e.sh(i)
        if s[2] & SHF_EXECINSTR and s[5] and i != text:
            return i
    return text


def shape_prog_nobits(e):
    i = program_section(e)
    if i is None:
        return False
    e.set_sh(i, 1, SHT_NOBITS)
    return True


def shape_reloc_wrap(e):
    rels = [i for i in range(e.shnum) if e.sh(i)[1] in (SHT_REL, SHT_RELA) and e.sh(i)[5]]
    if not rels:
        return False
    struct.pack_into("<Q", e.d, e.relocs(rels[0])[0], 0xFFFFFFFFFFFFFFFF)
    return True


def shape_map_wrap(e):
    maps = e.section("maps")
    sym = next((off for _, off, n, f in e.syms() if maps is not None and f[3] == maps and n), None)
    if sym is None:
        return False
    e.set_sym(sym, 4, 0xFFFFFFFFFFFFFFFF)
    return True


def shape_strtab_nobits(e):
    if e.symtab is None:
        return False
    e.set_sh(e.sh(e.symtab)[6], 1, SHT_NOBITS)
    return True


MODULE_SHAPES = {
    "name-nobits": shape_name_nobits, "name-reloc": shape_name_reloc, "name-ctrl": shape_name_ctrl,
    "name-empty": shape_name_empty, "name-long": shape_name_long, "name-unterm": shape_name_unterm,
    "symsize": shape_symsize,
}
BPF_SHAPES = {
    "maps-nobits": shape_maps_nobits, "prog-nobits": shape_prog_nobits, "symsize": shape_symsize,
    "reloc-wrap": shape_reloc_wrap, "map-wrap": shape_map_wrap, "strtab-nobits": shape_strtab_nobits,
}
FUZZERS = {  # shapes, and the bytes before the patches besides the object's number
    "fuzz_module": (MODULE_SHAPES, b""),
    "fuzz_bpf_elf": (BPF_SHAPES, b"\0\0"),
}


def apply(shape, data):
    fn = MODULE_SHAPES.get(shape) or BPF_SHAPES.get(shape)
    if fn is None:
        sys.exit(f"elf-shapes: no shape {shape!r}")
    e = Elf(data)
    return bytes(e.d) if fn(e) else None


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "ko":
        shape, src, dst = sys.argv[2:5]
        with open(src, "rb") as f:
            out = apply(shape, f.read())
        if out is None:
            sys.exit(f"elf-shapes: {shape} does not apply to {src}")
        with open(dst, "wb") as f:
            f.write(out)
    elif len(sys.argv) >= 5 and sys.argv[1] == "seeds" and sys.argv[2] in FUZZERS:
        shapes, pad = FUZZERS[sys.argv[2]]
        outdir = sys.argv[3]
        os.makedirs(outdir, exist_ok=True)
        paths = []
        for spec in sys.argv[4:]:
            index, _, path = spec.partition("=")
            with open(path, "rb") as f:
                good = f.read()
            if len(good) > 65536:
                sys.exit(f"elf-shapes: {path}: the fuzzer patches 16-bit offsets only")
            for shape, fn in shapes.items():
                e = Elf(good)
                if not fn(e):
                    continue
                seed = bytes([int(index)]) + pad
                for off, (a, b) in enumerate(zip(good, e.d)):
                    if a != b:
                        seed += bytes([off & 0xFF, off >> 8, b])
                p = os.path.join(outdir, f"{shape}-{os.path.basename(path)}")
                with open(p, "wb") as f:
                    f.write(seed)
                paths.append(p)
        if not paths:
            sys.exit("elf-shapes: no shape applies to any object")
        with open(os.path.join(outdir, "seeds.txt"), "w") as f:
            f.write(",".join(paths))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
