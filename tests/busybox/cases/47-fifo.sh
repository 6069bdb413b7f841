# 47-fifo: named pipes (mkfifo) between background writers and readers
umask 022
D=/tmp/bbsuite-fifo
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
mkfifo p
test -p p && echo "p is a fifo"
ls -l p | awk '{ print substr($1, 1, 1), $NF }'
echo "through the fifo" > p &
cat p
wait
seq 1 10000 > p &
wc -l < p
wait
(sleep 0.2; echo "late writer" > p) &
cat p
wait
cat p > got &
echo "reader first" > p
wait
cat got
{ echo one; echo two; } > p &
while read l; do echo "read $l"; done < p
wait
rm p
test -e p || echo "fifo removed"
cd / && rm -rf "$D"
