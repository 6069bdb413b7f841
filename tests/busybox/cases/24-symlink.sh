# 24-symlink: ln -s, readlink (-f), reading and writing through links, dangling links
umask 022
D=/tmp/bbsuite-symlink
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
echo target data > t
ln -s t l
readlink l
cat l
echo appended >> l
cat t
ln -s nosuch dangling
readlink dangling
test -e dangling || echo "dangling does not exist"
test -L dangling && echo "dangling is a link"
cat dangling 2>&1; echo "cat dangling rc=$?"
echo created > dangling
cat nosuch
mkdir -p dir/sub
echo in sub > dir/sub/file
ln -s dir/sub sublink
cat sublink/file
ls -1 sublink
ln -s ../t dir/up
cat dir/up
readlink dir/up
readlink -f dir/up
readlink -f sublink/file
readlink -f l
ln -s l chain
cat chain
readlink chain
ln -s self1 self2
ln -s self2 self1
cat self1 2>&1; echo "loop rc=$?"
ln -sf t l2
ln -sf dir/sub/file l2
readlink l2
ln -s t l 2>&1; echo "ln existing rc=$?"
ln -sf t l; echo "ln -sf rc=$?"
cd sublink
pwd
pwd -P
cd ..
ln -s "$D/dir" abs
readlink abs
ls -1 abs
test -h abs && echo "abs is a link"
test -d abs && echo "abs leads to a directory"
readlink t; echo "readlink of a file rc=$?"
cd / && rm -rf "$D"
