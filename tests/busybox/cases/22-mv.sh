# 22-mv: rename files and directories, move into directories, over files, errors
umask 022
D=/tmp/bbsuite-mv
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
echo content > a
mv a b
ls -1
cat b
mkdir d
mv b d/
ls -1 d
mv d/b d/c
ls -1 d
echo old > e
echo new > f
mv f e
cat e
ls -1
mv e d
mkdir d2
mv d d2
find . | sort
mv d2/d top
find . | sort
mv nosuch x 2>&1; echo "mv missing rc=$?"
mkdir -p p/q
mv p p/q/r 2>&1; echo "mv into itself rc=$?"
touch t1 t2 t3
mkdir dest
mv t1 t2 t3 dest
ls -1 dest
echo keep > k
mv k k2
test -e k || echo "k is gone"
cat k2
ln -s k2 lnk
mv lnk lnk2
readlink lnk2
cat lnk2
mv top/c top/c.renamed
ls -1 top
cd / && rm -rf "$D"
