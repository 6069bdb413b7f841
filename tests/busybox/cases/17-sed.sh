# 17-sed: substitutions, addresses, -n/p, d, y, groups, -E, -i in place
umask 022
D=/tmp/bbsuite-sed
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
printf 'one fish\ntwo fish\nred fish\nblue fish\n' > f
sed 's/fish/cat/' f
sed -n '2p' f
sed -n '/red/,$p' f
sed '1d;3d' f
sed 's/\(.*\) \(.*\)/\2 \1/' f
sed -E 's/([a-z]+) ([a-z]+)/\2-\1/' f
echo "aaa" | sed 's/a/b/g'
echo "aaa" | sed 's/a/b/2'
echo "hello" | sed 'y/lo/01/'
sed -e 's/one/1/' -e 's/two/2/' f
sed -n '$=' f
sed '2i\
inserted' f
sed '2a\
appended' f
sed '/blue/c\
changed' f
sed = f | sed 'N;s/\n/ /'
cp f g
sed -i 's/fish/FISH/g' g
cat g
sed -i '1d' g
cat g
ls -1
seq 1 10 | sed -n '3,5p'
seq 1 20000 | sed 's/0/o/g' | grep -c o
printf 'a/b/c\n' | sed 's|/|:|g'
echo "path/to/file.txt" | sed 's/.*\///; s/\.txt$//'
cd / && rm -rf "$D"
