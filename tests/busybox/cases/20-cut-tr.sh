# 20-cut-tr: cut by fields and characters, tr sets, deletion, squeezing
umask 022
D=/tmp/bbsuite-cuttr
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:A User:/home/user:/bin/ash\n' > pw
cut -d: -f1 pw
cut -d: -f1,3 pw
cut -d: -f5- pw
cut -c1-4 pw
cut -c3 pw
echo "a b c" | cut -d' ' -f2
echo "no delimiter" | cut -d: -f2
echo "no delimiter" | cut -s -d: -f2
echo "hello world" | tr a-z A-Z
echo "hello world" | tr -d lo
echo "aaabbbccc" | tr -s abc
echo "a-b_c" | tr '_-' '  '
echo "hello" | tr 'a-y' 'b-z'
echo "digits 123 here 456" | tr -cd '0-9'; echo
printf 'a\tb\n' | tr '\t' ,
echo "Mixed Case" | tr '[:upper:]' '[:lower:]'
echo "x y" | tr ' ' '\n'
seq 1 5 | tr '\n' ' '; echo
printf 'one\ttwo\tthree\n' | cut -f2
cd / && rm -rf "$D"
