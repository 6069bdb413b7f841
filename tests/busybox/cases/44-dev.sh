# 44-dev: /dev/null, /dev/zero and /dev/urandom from the shell and applets
umask 022
D=/tmp/bbsuite-dev
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
echo "into the void" > /dev/null; echo "write rc=$?"
cat /dev/null | wc -c
wc -c < /dev/null
head -c 16 /dev/zero | od -An -tx1
head -c 100000 /dev/zero | wc -c
head -c 100 /dev/urandom | wc -c
a=$(head -c 16 /dev/urandom | md5sum)
b=$(head -c 16 /dev/urandom | md5sum)
[ "$a" != "$b" ] && echo "urandom differs between reads"
test -c /dev/null && echo "/dev/null is a character device"
test -c /dev/zero && echo "/dev/zero is a character device"
ls -l /dev/null /dev/zero | awk '{ print $1, $NF }'
seq 1 10000 > /dev/null; echo "seq to null rc=$?"
cp /dev/null empty
wc -c < empty
dd if=/dev/zero of=/dev/null bs=64k count=100 2>/dev/null; echo "dd to null rc=$?"
cat < /dev/null > out; wc -c < out
echo x >> /dev/null; echo "append to null rc=$?"
: < /dev/zero; echo "open zero rc=$?"
cd / && rm -rf "$D"
