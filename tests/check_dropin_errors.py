#!/usr/bin/env python3
"""A dropped file that does not compile stops the build, which names it (the
<arch>.dropin_errors test; docs/modules-and-ebpf.md).

In a scratch copy of the source tree (the files git tracks and the new ones
it does not ignore, as they are in the work tree) it drops initrd/bpf/dropped_ok.c, a program that compiles (the
control: it must be built), and initrd/bpf/dropped_bad.c, which does not,
configures the preset and asks ninja for each one's object; then drops
modules/droppedbad/droppedbad.c, which does not compile either, and asks for
that module. The good one must appear, each bad one must fail the build with
its own path in the output.

usage: check_dropin_errors.py --root SRC --preset ARCH
"""
import argparse, os, shutil, subprocess, sys, tempfile

GOOD = """#include "bpf_prog.h"
SEC("mem") int dropped_ok(void *ctx) { (void)ctx; return 0; }
"""
BAD_BPF = "int dropped_bad(void) { return this is not C; }\n"
BAD_MOD = "int droppedbad_init(void) { return missing_semicolon }\n"


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--preset", required=True)
    a = ap.parse_args()
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=a.root, capture_output=True,
                               check=True).stdout.split(b"\0")
        for f in filter(None, (x.decode() for x in files)):
            src = os.path.join(a.root, f)
            if not os.path.isfile(src):
                continue  # deleted in the work tree
            os.makedirs(os.path.dirname(os.path.join(tmp, f)), exist_ok=True)
            shutil.copy2(src, os.path.join(tmp, f))
        # What scripts/deps fetched (lwIP's source, which the kernel is built
        # from) is no file git knows: the copy sees the tree's own.
        if os.path.isdir(os.path.join(a.root, ".deps")):
            os.symlink(os.path.realpath(os.path.join(a.root, ".deps")), os.path.join(tmp, ".deps"))
        open(os.path.join(tmp, "initrd/bpf/dropped_ok.c"), "w").write(GOOD)
        open(os.path.join(tmp, "initrd/bpf/dropped_bad.c"), "w").write(BAD_BPF)
        rc, out = run(["cmake", "--preset", a.preset], tmp)
        if rc:
            print(out[-3000:])
            print("FAIL configure with the dropped files")
            return 1
        build = os.path.join(tmp, "build", a.preset)
        rc, out = run(["ninja", "-k", "0", "-C", build, "bpf/dropped_ok.o"], tmp)
        if rc or not os.path.exists(os.path.join(build, "bpf/dropped_ok.o")):
            print(out[-3000:])
            bad.append("initrd/bpf/dropped_ok.c was not built as bpf/dropped_ok.o")
        for target, path in (("bpf/dropped_bad.o", "initrd/bpf/dropped_bad.c"),
                             ("mod_droppedbad", "modules/droppedbad/droppedbad.c")):
            if target == "mod_droppedbad":
                # Dropped only now: the initrd's programs wait for every
                # module, so a broken one would also keep the others unbuilt.
                # The next build finds the folder by itself (re-globbing).
                os.makedirs(os.path.join(tmp, "modules/droppedbad"))
                open(os.path.join(tmp, "modules/droppedbad/droppedbad.c"), "w").write(BAD_MOD)
            rc, out = run(["ninja", "-k", "0", "-C", build, target], tmp)
            if rc == 0:
                bad.append(f"{path} does not compile, yet the build of {target} succeeded")
            elif path not in out:
                print(out[-3000:])
                bad.append(f"the failed build of {target} does not name {path}")
            else:
                named = [l for l in out.splitlines() if path in l]
                errors = [l for l in named if "error:" in l]
                print(f"ok   {target}: {(errors or named)[0].strip()[:150]}")
    for b in bad:
        print("FAIL " + b)
    print(f"check_dropin_errors: {len(bad)} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
