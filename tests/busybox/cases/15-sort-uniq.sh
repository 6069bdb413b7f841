# 15-sort-uniq: sort (-n -r -k -t -u -s) and uniq (-c -d -u)
umask 022
D=/tmp/bbsuite-sort
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
printf 'pear 3\napple 10\nfig 2\napple 1\nbanana 22\nfig 2\n' > f
sort f
echo --; sort -r f
echo --; sort -k2 -n f
echo --; sort -k2,2nr -k1,1 f
echo --; sort -u f
echo --; sort f | uniq
echo --; sort f | uniq -c
echo --; sort f | uniq -d
echo --; sort f | uniq -u
echo --; cut -d' ' -f1 f | sort | uniq -c | sort -k1,1nr -k2
echo --; printf 'b:2\na:10\nc:1\n' | sort -t: -k2 -n
echo --; printf '10\n9\n100\n-5\n0\n' | sort -n
echo --; printf 'B\na\nC\nb\n' | sort
echo --; printf 'B\na\nC\nb\n' | sort -f
echo --; seq 1 2000 | sort -r | head -n 3
seq 1 2000 | sort -rn | head -n 3
seq 1 2000 | shuf | sort -n | md5sum
cd / && rm -rf "$D"
