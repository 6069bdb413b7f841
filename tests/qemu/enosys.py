"""The unimplemented system calls a test's programs made, from the shell's
`syscalls` listing, each of which must be allowed: answered ENOSYS, with a
reason why that changes none of their output (docs/user-mode.md)."""
import re

ALLOWED = {
    "rseq": "glibc registers restartable sequences at start and goes on without them (docs/user-mode.md)",
    "clone3": "glibc's posix_spawn and pthread_create fall back to clone (docs/user-mode.md)",
}
NAMES = {  # the arch's numbers of ALLOWED's calls, which `syscalls` lists unnamed
    "x86_64": {334: "rseq", 435: "clone3"},
    "aarch64": {293: "rseq", 435: "clone3"},
    "riscv64": {293: "rseq", 435: "clone3"},
}


def listing(text):
    """What `syscalls` answered in @text (up to the next prompt), or ''."""
    m = re.search(r"(?ms)^kernel> syscalls\n(.*?)^kernel> ", text)
    return m.group(1) if m else ""


def check_allowed(arch, text, check):
    """check() that `syscalls` in @text was answered and that every
    unimplemented call it lists is in ALLOWED; returns the listing."""
    rows = listing(text)
    check(rows, "`syscalls` answered")
    unimpl = re.findall(r"(?m)^ *(\d+|-) +(?:\(unimplemented\)|\(number out of range\)) +(\d+)  ENOSYS$", rows)
    unimpl = [(NAMES[arch].get(int(n), n) if n != "-" else n, c) for n, c in unimpl]
    print("unimplemented calls made:", ", ".join(f"{n} ({c} times)" for n, c in unimpl) or "none")
    check(all(n in ALLOWED for n, _ in unimpl),
          "every unimplemented call made is allowed: " + ", ".join(f"{n}: {ALLOWED.get(n, 'NOT ALLOWED')}"
                                                                  for n, _ in unimpl))
    return rows
