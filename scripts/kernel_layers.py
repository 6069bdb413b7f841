"""Rule 7 of scripts/check-boundaries: the layers inside kernel/.

The folders of kernel/ sit on one another in a written order (LAYERS below,
and the table in docs/architecture.md, "Layers inside kernel/"). A file may
call and include what its own layer or a lower one defines, never what a
higher one does; and no two folders may call each other round in a circle.
Where a lower layer must reach up (a block plug sent when its thread
sleeps, devfs told of a new disk), the higher layer registers a function
and the lower one calls through the pointer: such a call names no function
of the higher layer, so it is not an arrow here, which is the point.

What counts:
- A file's layer is its folder under kernel/ (kernel/fs/ext2/ext2_super.c is
  in fs), except that a subsystem's shell commands (*_cmds.c) are at least the
  shell's layer and its in-kernel tests and benchmarks (*_tests.c,
  *_bench.c) at least the test layer, wherever they sit: they are the
  subsystem's users, not it.
- A call is a name followed by "(" that some other layer's .c file defines
  as a function (not static), or that a header of another layer defines
  inline. A call through a pointer (a->f(), s.f(), (*f)()) names no such
  function and does not count.
- A shared header (kernel/include/kernel/<x>.h) belongs to the layer whose
  files define the functions it declares (most of them, when several do);
  one that declares none (types, macros, tables of data) sits as high as
  the highest layer it includes, lib if it includes none of kernel/.
  Including it is an arrow to that layer, and the calls its inline
  functions make are checked as that layer's own.
- `debug` is reachable from every layer: what it defines is only panic and
  symbol lookup (kernel/kernel.h; its shell commands are the shell's). In
  turn it may call only lib, and reaches anything higher (stopping the
  other CPUs, the JIT's symbols) through hooks those layers register.

Known violations that are not mended yet are listed in
scripts/layer-debts.txt, one per line ("<file> call <name>" or "<file>
include <header>"): they are reported as debts, not errors, and a listed
debt that no longer occurs is an error too, so the list only shrinks.
"""
import collections
import os
import re

# Bottom to top. Folders in one tuple are peers: each may call the other,
# and the circle check keeps them from calling each other round.
LAYERS = [
    ("lib",),
    ("debug",),
    ("mm",),
    ("jit",),
    ("bpf",),
    ("irq",),
    ("time",),
    ("sched",),
    ("device",),
    ("block",),
    ("fs",),
    ("tty",),
    ("net",),
    ("user",),
    ("module",),
    ("shell",),
    ("test",),
    ("init",),
]
RANK = {f: i for i, names in enumerate(LAYERS) for f in names}
REACHABLE_FROM_ALL = "debug"
SHELL_FILE = re.compile(r"_cmds\.c$")
TEST_FILE = re.compile(r"_(tests|bench)\.c$")
KEYWORDS = {"if", "while", "for", "switch", "return", "sizeof", "defined", "__attribute__",
            "asm", "__asm__", "typeof", "__typeof__", "_Static_assert", "_Alignof", "alignof",
            "offsetof", "__builtin_offsetof", "_Generic", "case", "do", "else"}
INCLUDE = re.compile(r'^\s*#\s*include\s*<(kernel/[^>]+\.h)>', re.M)
CALL = re.compile(r"(->|\.|\b)\s*([A-Za-z_]\w*)\s*\(")
DEBTS_FILE = os.path.join("scripts", "layer-debts.txt")


def order_text():
    """The allowed order, bottom first, as the failure message prints it."""
    return " < ".join("/".join(names) for names in LAYERS) + \
        "   (debug: reachable from all, through panic and symbol lookup)"


def is_up(mine, other):
    """Whether an arrow from layer @mine to layer @other climbs: @other is
    higher and is not debug, which every layer may reach."""
    return other != REACHABLE_FROM_ALL and RANK[other] > RANK[mine]


def file_layer(rel):
    """The layer of kernel/ file @rel, or None for a shared header."""
    parts = rel.split("/")
    if parts[1] == "include":
        return None
    name, folder = parts[-1], parts[1]
    for pattern, layer in ((SHELL_FILE, "shell"), (TEST_FILE, "test")):
        if pattern.search(name) and RANK.get(folder, -1) < RANK[layer]:
            return layer
    return folder


def _no_directives(code):
    """@code with its preprocessor lines (and their continuations) blanked,
    newlines kept: a macro's body is not a function definition."""
    out, cont = [], False
    for line in code.split("\n"):
        directive = cont or re.match(r"^\s*#", line)
        cont = bool(directive) and line.rstrip().endswith("\\")
        out.append("" if directive else line)
    return "\n".join(out)


def _functions(code):
    """(name, static, inline, line) of each function defined at file scope."""
    code = _no_directives(code)
    out = []
    depth = 0
    for m in re.finditer(r"[{}]", code):
        if m.group() == "}":
            depth = max(0, depth - 1)
            continue
        if depth == 0:
            head = code[:m.start()].rstrip()
            if head.endswith(")"):
                d, j = 0, len(head) - 1
                while j >= 0:
                    if head[j] == ")":
                        d += 1
                    elif head[j] == "(":
                        d -= 1
                        if d == 0:
                            break
                    j -= 1
                name = re.search(r"(\w+)\s*$", head[:j])
                if name and name.group(1) not in KEYWORDS:
                    start = max(head.rfind(";", 0, j), head.rfind("}", 0, j),
                                head.rfind("#", 0, j))
                    words = re.findall(r"\w+", head[start + 1:j])
                    out.append((name.group(1), "static" in words, "inline" in words,
                                code.count("\n", 0, m.start()) + 1))
        depth += 1
    return out


def _prototypes(code):
    """Names of the functions declared at file scope (prototypes)."""
    names = set()
    depth = 0
    flat = []
    for ch in code:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        flat.append(ch if depth == 0 else " ")
    for stmt in "".join(flat).split(";"):
        stmt = re.sub(r"#[^\n]*", " ", stmt)  # directives are not declarations
        if "typedef" in stmt:
            continue
        m = re.search(r"\b([A-Za-z_]\w*)\s*\(", stmt)
        if m and m.group(1) not in KEYWORDS and "=" not in stmt[:m.start()]:
            names.add(m.group(1))
    return names


def _bodies_and_includes(code):
    """A header's inline function bodies and #include lines, the rest blanked
    (newlines kept): its prototypes name functions but call none."""
    out, depth = [], 0
    for line in code.split("\n"):
        if depth == 0 and re.match(r"^\s*#\s*include", line):
            out.append(line)
            continue
        kept = []
        for ch in line:
            if ch == "{":
                depth += 1
            kept.append(ch if depth > 0 else " ")
            if ch == "}":
                depth = max(0, depth - 1)
        out.append("".join(kept))
    return "\n".join(out)


class Tree:
    """kernel/ read once: who defines what, who owns each shared header."""

    def __init__(self, root, strip_comments):
        self.root = root
        self.code = {}
        kroot = os.path.join(root, "kernel")
        for dirpath, dirnames, filenames in os.walk(kroot):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".c", ".h")):
                    rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
                    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                        self.code[rel] = strip_comments(f.read())
        # name -> set of layers whose .c files define it (not static), and
        # the shared headers' inline functions.
        self.defined = collections.defaultdict(set)
        self.owner = {}
        own_defs = {}
        for rel, code in self.code.items():
            fns = _functions(code)
            own_defs[rel] = fns
            layer = file_layer(rel)
            if rel.endswith(".c"):
                for name, static, _inline, _ in fns:
                    if not static:
                        self.defined[name].add(layer)
        voted = set()
        for rel, code in self.code.items():
            if file_layer(rel) is not None:
                continue
            votes = collections.Counter()
            for name in _prototypes(code):
                for layer in self.defined.get(name, ()):
                    votes[layer] += 1
            if votes:
                best = max(votes.values())
                # Ties go to the lowest layer: the header serves it first.
                self.owner[rel] = min((l for l, v in votes.items() if v == best),
                                      key=lambda l: RANK.get(l, 99))
                voted.add(rel)
            else:
                self.owner[rel] = None  # declares nothing: from what it includes, below
        # A header that declares no function (types, macros, data) sits as
        # high as the highest layer it includes, lib if none: it is no lower
        # than what it needs.
        for _ in range(len(self.owner)):
            changed = False
            for rel, code in self.code.items():
                if file_layer(rel) is not None or rel in voted:
                    continue
                layers = [self.owner.get("kernel/include/" + m.group(1)) or "lib"
                          for m in INCLUDE.finditer(_bodies_and_includes(code))]
                want = max(layers + ["lib"], key=lambda l: RANK.get(l, -1))
                if self.owner.get(rel) != want:
                    self.owner[rel], changed = want, True
            if not changed:
                break
        self.inline_layer = {}
        for rel, fns in own_defs.items():
            if rel.endswith(".h"):
                layer = file_layer(rel) or self.owner[rel]
                for name, static, inline, _ in fns:
                    if static and inline:
                        self.inline_layer.setdefault(name, set()).add(layer)
        self._own = own_defs

    def layer_of(self, rel):
        return file_layer(rel) or self.owner[rel]

    def arrows(self):
        """Every (file, line, kind, target, from layer, to layer) between layers."""
        out = []
        for rel, code in self.code.items():
            mine = self.layer_of(rel)
            if mine not in RANK:
                continue
            own = {n for n, _, _, _ in self._own[rel]}
            if rel.endswith(".h"):
                code = _bodies_and_includes(code)
            lines = code.split("\n")
            for no, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if m:
                    target = "kernel/include/" + m.group(1)
                    other = self.owner.get(target)
                    if other and other != mine:
                        out.append((rel, no, "include", m.group(1), mine, other))
                    continue
                if re.match(r"^\s*#", line):
                    continue
                for c in CALL.finditer(line):
                    if c.group(1) in ("->", "."):
                        continue
                    name = c.group(2)
                    if name in own or name in KEYWORDS:
                        continue
                    layers = self.defined.get(name) or self.inline_layer.get(name) or set()
                    if len(layers) != 1:
                        continue  # unknown (HAL, libc builtins) or ambiguous
                    other = next(iter(layers))
                    if other != mine:
                        out.append((rel, no, "call", name, mine, other))
        return out


def cycles(edges):
    """Strongly connected groups of more than one folder in @edges."""
    index, low, stack, on, groups = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def read_debts(root):
    path = os.path.join(root, DEBTS_FILE)
    debts = set()
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    debts.add(tuple(line.split()))
    return debts


def check(root, strip_comments):
    """Rule 7 over @root: (violations, debts still owed)."""
    if not os.path.isdir(os.path.join(root, "kernel")):
        return [], []
    tree = Tree(root, strip_comments)
    debts = read_debts(root)
    found, owed, seen = [], [], set()
    edges = collections.defaultdict(set)
    for rel, no, kind, target, mine, other in tree.arrows():
        if other == REACHABLE_FROM_ALL or other not in RANK:
            continue
        key = (rel, kind, target)
        if is_up(mine, other):
            if key in debts:
                if key not in seen:
                    owed.append(key)
                seen.add(key)
                continue
            what = "calls %s()" % target if kind == "call" else "includes <%s>" % target
            found.append((rel, no, "rule 7: layer %s %s of layer %s, above it"
                          % (mine, what, other), ""))
            continue
        edges[mine].add(other)
    for key in sorted(debts - seen):
        found.append((DEBTS_FILE, 0, "rule 7: a listed debt no longer occurs, take it off"
                      " the list: %s" % " ".join(key), ""))
    for group in cycles(edges):
        found.append(("kernel/", 0, "rule 7: folders call each other round: %s"
                      % " <-> ".join(group), ""))
    return found, owed


def debt_lines(root, strip_comments):
    """Every rule 7 arrow in @root, listed or not, in the debt list's form."""
    tree = Tree(root, strip_comments)
    keys = {(rel, kind, target) for rel, _no, kind, target, mine, other in tree.arrows()
            if other in RANK and mine in RANK and is_up(mine, other)}
    return ["%s %s %s" % k for k in sorted(keys)]


def _layer_counts(root, strip_comments):
    """(from layer, to layer) -> calls and includes between two layers."""
    count = collections.Counter()
    for _rel, _no, _kind, _target, mine, other in Tree(root, strip_comments).arrows():
        if other != mine and mine in RANK and other in RANK:
            count[(mine, other)] += 1
    return count


PICTURE_PAGE = os.path.join("docs", "architecture.md")
PICTURE_BEGIN = "<!-- kernel-layers: begin (scripts/check-boundaries --picture) -->"
PICTURE_END = "<!-- kernel-layers: end -->"


def picture(root, strip_comments):
    """kernel/'s layers, top first, each with the layers it calls or
    includes (the count of arrows after each) and, marked "UP", the arrows
    up it still owes: the text docs/architecture.md shows."""
    count = _layer_counts(root, strip_comments)
    folders = [f for names in LAYERS for f in names
               if os.path.isdir(os.path.join(root, "kernel", f))]
    pairs = len(count)
    up = sum(1 for (a, b) in count if is_up(a, b))
    lines = ["kernel/: %d folders, %d pairs of them with arrows between, %d of those up (debts)"
             % (len(folders), pairs, up), ""]
    for f in reversed(folders):
        down = sorted((b for (a, b) in count if a == f and not is_up(a, b)), key=lambda b: -RANK[b])
        ups = sorted((b for (a, b) in count if a == f and is_up(a, b)), key=lambda b: -RANK[b])
        text = " ".join("%s(%d)" % (b, count[(f, b)]) for b in down)
        if ups:
            text += "   UP: " + " ".join("%s(%d)" % (b, count[(f, b)]) for b in ups)
        lines.append("%-7s -> %s" % (f, text))
    return "\n".join(lines) + "\n"


def check_picture(root, strip_comments):
    """The picture in docs/architecture.md is the tree's: a violation if not."""
    page = os.path.join(root, PICTURE_PAGE)
    if not os.path.isfile(page) or not os.path.isdir(os.path.join(root, "kernel")):
        return []
    with open(page, encoding="utf-8") as f:
        text = f.read()
    if PICTURE_BEGIN not in text or PICTURE_END not in text:
        return [(PICTURE_PAGE, 0, "rule 7: no kernel-layers picture between its markers", "")]
    shown = text.split(PICTURE_BEGIN, 1)[1].split(PICTURE_END, 1)[0]
    shown = shown.strip().strip("`").strip()
    if shown != picture(root, strip_comments).strip():
        line = text[:text.index(PICTURE_BEGIN)].count("\n") + 1
        return [(PICTURE_PAGE, line, "rule 7: the kernel-layers picture is out of date; "
                 "python3 scripts/check-boundaries --picture prints the current one", "")]
    return []


def graph_dot(root, strip_comments):
    """The folders of kernel/ and the arrows between them, as graphviz."""
    count = _layer_counts(root, strip_comments)
    lines = ["digraph kernel_layers {", "  rankdir=BT; node [shape=box];"]
    for i, names in enumerate(LAYERS):
        lines.append("  { rank=same; %s }" % " ".join('"%s";' % n for n in names))
    for (a, b), n in sorted(count.items()):
        lines.append('  "%s" -> "%s" [label="%d"%s];' % (a, b, n, ", color=red" if is_up(a, b) else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"
