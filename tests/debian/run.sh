# The Debian root test's driver (tests/qemu/debian_root_test.py), run by the
# same Debian bash in the kernel and on Linux:
#
#   bash run.sh SRC OUT DISK
#
# runs shell.sh, coreutils.sh and pystd.py from SRC, each in a directory of
# its own under OUT, and e2fsck -fn on DISK, each one's output and exit
# status into OUT/<part>.out for the test to compare.
set -u
src=$1 out=$2 disk=$3
mkdir -p "$out"
for part in shell coreutils python; do
    mkdir "$out/work-$part"
    case $part in
    shell) (cd "$out/work-$part" && bash "$src/shell.sh" </dev/null) ;;
    coreutils) (cd "$out/work-$part" && bash "$src/coreutils.sh") ;;
    python) (cd "$out/work-$part" && python3 "$src/pystd.py") ;;
    esac >"$out/$part.out" 2>&1
    echo "[exit $?]" >>"$out/$part.out"
    rmdir "$out/work-$part"
done
e2fsck -fn "$disk" >"$out/e2fsck.out" 2>&1
echo "[exit $?]" >>"$out/e2fsck.out"
echo "run.sh: $(cat "$out"/*.out | wc -l) lines of output"
