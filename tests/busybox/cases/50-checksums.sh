# 50-checksums: od, hexdump, md5sum, sha1sum, sha256sum of data the script makes
umask 022
D=/tmp/bbsuite-checksums
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
printf 'The quick brown fox jumps over the lazy dog' > fox
md5sum fox
sha1sum fox
sha256sum fox
md5sum < fox
seq 1 100000 > big
md5sum big
sha256sum big
md5sum fox big > sums
md5sum -c sums
echo "x" >> fox
md5sum -c sums > res 2>&1; echo "check rc=$?"
sort res
od -c fox | head -n 2
od -An -tx1 -N 8 fox
od -An -td2 -N 4 fox
hexdump -C fox | head -n 2
printf '\000\001\377' | od -An -to1
printf 'abc' | xxd
cd / && rm -rf "$D"
