# 56-glob: pathname expansion by the shell: *, ?, [...], dot files, no match, directories
umask 022
D=/tmp/bbsuite-glob
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
touch a.txt b.txt c.log ab.txt .hidden 1 2 10
mkdir -p dir1/sub dir2
touch dir1/x.txt dir2/y.txt dir1/sub/z.txt
echo *
echo *.txt
echo ?.txt
echo [ab]*
echo [!a]*.txt
echo [0-9]*
echo .*
echo */
echo */*.txt
echo */*/*.txt
echo nomatch*
echo "*.txt"
set -f; echo *.txt; set +f
for f in *.log; do echo "file $f"; done
files=$(echo dir*)
echo "$files"
echo d*/s*
cd dir1 && echo * && cd ..
echo $D/dir2/*
cd / && rm -rf "$D"
