# 23-rm: rm -r of a tree, rm -f, errors, removing links not their targets, many files
umask 022
D=/tmp/bbsuite-rm
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
mkdir -p tree/a/b tree/c
touch tree/f tree/a/g tree/a/b/h tree/c/i
rm -r tree
ls -1
echo "tree removed"
rm -f nosuch; echo "rm -f missing rc=$?"
rm nosuch 2>&1; echo "rm missing rc=$?"
mkdir d
rm d 2>&1; echo "rm dir rc=$?"
rm -r d; echo "rm -r dir rc=$?"
mkdir target
touch target/inside
ln -s target link
rm link
ls -1
ls -1 target
i=0
mkdir many
while [ $i -lt 200 ]; do : > many/file$i; i=$((i + 1)); done
ls many | wc -l
rm many/file1*
ls many | wc -l
rm -rf many
test -d many || echo "many removed"
touch a b c
rm a b c
ls -1
mkdir -p deep/1/2/3/4/5/6/7/8/9
rm -rf deep
ls -1
rm -rf target
ls -1 | wc -l
cd / && rm -rf "$D"
