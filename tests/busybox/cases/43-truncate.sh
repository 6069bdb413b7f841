# 43-truncate: file sizes: truncation, extension, holes read back as zeros, overwrite
umask 022
D=/tmp/bbsuite-truncate
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
seq 1 100 > f
wc -c < f
truncate -s 10 f
wc -c < f
cat f; echo
truncate -s 20 f
wc -c < f
od -An -c f
truncate -s 0 f
wc -c < f
dd if=/dev/zero of=sparse bs=1 count=1 seek=100000 2>/dev/null
wc -c < sparse
od -An -tx1 sparse | sort -u
printf 'end' >> sparse
tail -c 4 sparse | od -An -c
echo 0123456789 > o
printf 'ab' | dd of=o bs=1 seek=4 conv=notrunc 2>/dev/null
cat o
: > o
wc -c < o
echo short > s
echo "a much longer line" > s
echo short > s
cat s
wc -c < s
truncate -s 1M big
wc -c < big
md5sum < big
head -c 1048576 /dev/zero | md5sum
cd / && rm -rf "$D"
