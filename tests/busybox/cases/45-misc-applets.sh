# 45-misc-applets: seq, expr, basename, dirname, yes, true, false, rev, tac, nl, fold, paste
umask 022
D=/tmp/bbsuite-misc
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
seq 3
seq 2 4
seq 10 -3 1
seq -s , 1 5
seq -w 8 11
expr 6 \* 7
expr 17 / 5 % 2
expr length hello
expr substr hello 2 3
expr index hello l
expr hello : 'h\(.*\)o'
expr 3 \< 10
basename /a/b/c.txt
basename /a/b/c.txt .txt
basename /
dirname /a/b/c.txt
dirname c.txt
dirname /
yes | head -n 3
yes hi | head -n 2
true; echo "true $?"
false; echo "false $?"
echo hello | rev
seq 1 4 | tac
printf 'a\nb\n' | nl
echo abcdefghij | fold -w 3
seq 1 6 | paste - - -
printf 'a\nb\n' > p1; printf '1\n2\n' > p2; paste p1 p2
echo "tr -s: $(echo 'a    b' | tr -s ' ')"
echo " x " | sed 's/^ *//;s/ *$//'
realpath .
mktemp -u XXXXXX | wc -c
strings -n 3 /dev/null; echo "strings rc=$?"
echo 'hello world' | od -c | head -n 1
echo 'Hi' | hexdump -C
cd / && rm -rf "$D"
