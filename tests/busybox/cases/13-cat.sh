# 13-cat: cat of files the script wrote, of stdin, several files, errors
umask 022
D=/tmp/bbsuite-cat
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
printf 'line1\nline2\n' > a
printf 'no newline' > b
cat a
cat a b; echo
cat -n a
cat a - < b; echo
cat < a
echo "from pipe" | cat
echo "from pipe" | cat - a
cat a nosuch b > out 2> err
echo "rc=$?"
cat out; echo
cat err
seq 1 3000 > big
cat big | wc -l
cat big big | tail -n 1
cat big > copy
cmp big copy && echo "copy is equal"
cat a a a > three
wc -l < three
printf 'x\ty\n' | cat -A 2>/dev/null || printf 'x\ty\n' | cat -vet
cat /dev/null
: > empty
cat empty
echo "end"
cd / && rm -rf "$D"
