# coreutils, findutils and tar over a tree made here (tests/qemu/debian_root_test.py):
# on our ext2 the output must be what the same programs print on Linux.
# Fixed times and modes make it comparable; the names are listed in
# sorted order, never in the order a directory happens to hold them.
set -u
export TZ=UTC LC_ALL=C
mkdir -p tree/sub/deep tree/empty
for i in $(seq 1 12); do printf 'line %d of file %d\n' $(seq 1 $i) $i > tree/sub/f$i.txt; done
seq 1 3000 > tree/numbers
head -c 40000 tree/numbers > tree/sub/deep/part
printf 'short\n' > tree/short
ln -s sub/f1.txt tree/link
ln tree/short tree/hard
chmod 600 tree/sub/f7.txt; chmod 751 tree/sub/deep
find tree -exec touch -h -d '2024-02-29 12:34:56' {} +
touch -d '2025-01-01 00:00:00' tree/sub/f3.txt tree/numbers
touch -d '2024-06-01 00:00:00' stamp
echo "== ls"
ls -ln --time-style=+%F_%T tree
ls -lnR --time-style=full-iso tree/sub | head -20
ls -ln --time-style=+%s tree/sub/deep
echo "== stat"
stat -c '%n %s %b %B %f %a %u %g %h %Y %N' tree tree/short tree/hard tree/link tree/sub/deep tree/empty tree/sub/deep/part
echo "== sort"
sort -t' ' -k4,4nr -k2,2n tree/sub/f5.txt | head -3
sort -u tree/numbers | sort -n | tail -2
seq 1 500 | sort -R --random-source=tree/numbers | sort -n | sha256sum
cat tree/sub/*.txt | sort | uniq -c | sort -k1,1nr -k2 | head -4
echo "== sha256sum"
(cd tree && find . -type f | sort | xargs sha256sum) > sums
head -6 sums
(cd tree && sha256sum -c --quiet ../sums && echo "all sums check")
echo "== cp -a"
cp -a tree copy
(cd copy && sha256sum -c --quiet ../sums && echo "the copy's sums check")
ls -lnR --time-style=+%s copy | md5sum
ls -lnR --time-style=+%s tree | sed 's/^tree/copy/' | md5sum
stat -c '%n %a %Y %h' copy/hard copy/short copy/link copy/sub/deep
echo "== du"
du -a --apparent-size -b tree/sub | sort -k2
du -s tree/sub/deep tree/sub/f1.txt
du -sb tree
echo "== find"
find tree -newer stamp | sort
find tree -type f -size +1k | sort
find tree -name 'f1*' -perm -u+r ! -newer stamp | sort
find tree -type l -printf '%p -> %l\n'
find tree -empty | sort
echo "== xargs -P"
find tree/sub -name '*.txt' | sort | xargs -P 4 -n 5 wc -l | grep -v total | sort -k2 | head -8
find tree/sub -name '*.txt' | sort | xargs -P 3 -I{} sh -c 'wc -c < {}' | sort -n | tail -3
seq 1 20 | xargs -P 4 -n 1 sh -c 'echo $(( $0 * $0 ))' | sort -n | tr '\n' ' '; echo
echo "== tar"
tar --sort=name --mtime='2024-01-01 00:00:00' --owner=0 --group=0 --numeric-owner -cf t.tar tree
sha256sum t.tar
tar -tvf t.tar | head -8
mkdir untar && tar -C untar -xf t.tar && (cd untar/tree && sha256sum -c --quiet ../../sums && echo "untarred sums check")
tar -czf t.tgz -C tree sub/deep numbers && tar -tzf t.tgz
mkdir untgz && tar -C untgz -xzf t.tgz && cmp untgz/numbers tree/numbers && echo "gzip round trip"
stat -c '%n %a %Y' untar/tree/sub/deep untar/tree/numbers untar/tree/link
echo "== misc"
wc tree/numbers; head -c 100 tree/numbers | od -c | head -3; cut -d' ' -f2,4 tree/sub/f3.txt
paste -d, <(seq 1 3) <(seq 4 6); join <(printf 'a 1\nb 2\n') <(printf 'a x\nb y\n')
basename tree/sub/f1.txt .txt; dirname tree/sub/f1.txt; readlink tree/link; realpath -m --relative-to=tree tree/sub/../link
date -u -d @1700000000 '+%F %T %A'; expr 6 \* 7; factor 360 1001; seq -s, 1 5; echo $((16#ff))
md5sum tree/numbers; cksum tree/numbers; base64 tree/short; split -l 1000 tree/numbers part. && ls part.*
echo "== alternatives"
# What the packages' maintainer scripts register (scripts/mkroot makes them):
# awk is mawk, pager is less, which is debianutils'. (Not `which`'s answers:
# on aarch64 Linux's side finds every program in a directory of shims.)
readlink -f /usr/bin/awk /usr/bin/nawk /usr/bin/pager /usr/bin/which
printf '3 1\n1 2\n' | awk '{ s += $1 * $2 } END { print s, NR }'; awk -W version 2>&1 | head -1
rm -rf tree copy untar untgz t.tar t.tgz sums stamp part.*
echo done
