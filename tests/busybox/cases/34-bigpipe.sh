# 34-bigpipe: large amounts of data through pipes (many pipe buffers' worth)
umask 022
D=/tmp/bbsuite-bigpipe
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
seq 1 20000 | awk '{ s += $1 } END { print s }'
seq 1 20000 | wc -c
seq 1 20000 | awk '{ print $1 * 2 }' | wc -c
seq 1 20000 | sort -rn | head -n 3
seq 1 20000 | tail -n 1
seq 1 20000 | md5sum
seq 1 20000 | tr 0-9 a-j | sed 's/a/A/g' | grep -c A
yes abcdefghij | head -n 50000 | wc -c
yes | head -n 100000 | uniq -c
seq 1 20000 > file
cat file file file | wc -l
cat file | cat | cat | cat | md5sum
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%0100d\n", i }' | wc -c
seq 1 50000 | awk 'NR % 10000 == 0'
x=$(seq 1 20000)
echo "$x" | wc -l
echo "${#x}"
seq 1 20000 | while read n; do :; done; echo "read loop rc=$?"
cd / && rm -rf "$D"
