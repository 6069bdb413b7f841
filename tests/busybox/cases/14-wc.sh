# 14-wc: wc counts of lines, words, bytes, longest line; several files
umask 022
D=/tmp/bbsuite-wc
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
printf 'one two\nthree\n\nfour five six\n' > t
wc < t
wc -l < t
wc -w < t
wc -c < t
wc -L < t
wc t
wc -l t t
seq 1 1000 > s
wc -l s | awk '{ print $1 }'
wc -c s | awk '{ print $1 }'
printf 'x' | wc -c
printf '' | wc -l
printf 'no newline at end' | wc -l
printf 'a b\tc\n  d  \n' | wc -w
cd / && rm -rf "$D"
