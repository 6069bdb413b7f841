# 19-head-tail: head and tail by lines and bytes, from files and pipes
umask 022
D=/tmp/bbsuite-headtail
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
seq 1 20 > n
head -n 3 n
tail -n 2 n
tail -n +18 n
head -c 5 n | od -c
tail -c 6 n
head -n -17 n
head -n 2 n n
tail -n 1 n n
seq 1 10000 | tail -n 1
seq 1 10000 | head -n 2
seq 1 100000 | head -n 1
head -c 100 /dev/zero | wc -c
printf 'no newline' | tail -n 1; echo
printf 'a\nb\nc' | tail -n 2; echo
head -n 0 n
echo "--"
seq 1 5 | tail -r 2>/dev/null || seq 1 5 | tac
cd / && rm -rf "$D"
