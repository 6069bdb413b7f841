# 35-dd: dd from /dev/zero and /dev/urandom into pipes and files, skip, seek, conv
umask 022
D=/tmp/bbsuite-dd
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
dd if=/dev/zero bs=4096 count=64 2>/dev/null | wc -c
dd if=/dev/zero bs=1M count=2 2>/dev/null | wc -c
dd if=/dev/zero bs=512 count=3 2>/dev/null | od -An -tx1 | sort -u
dd if=/dev/urandom bs=1000 count=3 2>/dev/null | wc -c
dd if=/dev/zero of=z bs=4096 count=16 2>/dev/null
wc -c < z
seq 1 1000 > n
dd if=n of=part bs=1 skip=10 count=20 2>/dev/null
cat part; echo
dd if=n bs=100 count=1 2>/dev/null | tail -n 1; echo
printf 'XXXX' | dd of=n bs=1 seek=0 conv=notrunc 2>/dev/null
head -n 3 n
wc -c < n
printf 'YY' | dd of=n bs=1 seek=2 2>/dev/null
wc -c < n
cat n; echo
echo "hello world" | dd bs=1 count=5 2>/dev/null; echo
dd if=/dev/zero bs=4096 count=64 2>&1 >/dev/null | grep -c 'records'
dd if=nosuch of=x 2>&1; echo "rc=$?"
cd / && rm -rf "$D"
