# 40-cp: cp of files, into directories, recursive, over existing files, errors
umask 022
D=/tmp/bbsuite-cp
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
seq 1 2000 > a
cp a b
cmp a b && echo "copy equal"
mkdir d
cp a b d
ls -1 d
mkdir -p tree/x/y
echo deep > tree/x/y/z
ln -s x/y/z tree/lnk
cp -r tree tree2
find tree2 | sort
cat tree2/x/y/z
readlink tree2/lnk
cp -rL tree tree3 2>/dev/null || cp -r -L tree tree3
test -L tree3/lnk || echo "tree3/lnk is a file"
cat tree3/lnk
echo new > c
cp c a
cat a
cp nosuch x 2>&1; echo "missing rc=$?"
cp tree x 2>&1; echo "dir without -r rc=$?"
chmod 750 b
cp b e
ls -l e | awk '{ print $1, $NF }'
cp -p b f
ls -l f | awk '{ print $1, $NF }'
printf '%100000s' x > large
cp large large2
wc -c < large2
cmp large large2 && echo "large equal"
cp a a 2>&1; echo "onto itself rc=$?"
cd / && rm -rf "$D"
