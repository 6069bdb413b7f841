# 21-mkdir-rmdir: mkdir -p and -m, rmdir -p, the errors EEXIST, ENOENT, ENOTEMPTY, ENOTDIR
umask 022
D=/tmp/bbsuite-mkdir
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
mkdir -p a/b/c/d
find a | sort
mkdir a 2>&1; echo "mkdir existing rc=$?"
mkdir -p a; echo "mkdir -p existing rc=$?"
mkdir -p a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p
find a -type d | wc -l
mkdir x/y 2>&1; echo "mkdir missing parent rc=$?"
rmdir a 2>&1; echo "rmdir non-empty rc=$?"
rmdir nosuch 2>&1; echo "rmdir missing rc=$?"
touch f
mkdir f/x 2>&1; echo "mkdir under a file rc=$?"
rmdir f 2>&1; echo "rmdir of a file rc=$?"
rmdir -p a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p
ls -1
mkdir -m 700 m
ls -ld m | awk '{ print $1, $NF }'
mkdir -m 1777 sticky
ls -ld sticky | awk '{ print $1, $NF }'
mkdir one two three
ls -1d */
rmdir one two three m sticky
ls -1
mkdir "with space"
ls -1
rmdir "with space"
mkdir -p ./p/../q/./r
find . -type d | sort
cd / && rm -rf "$D"
