# 16-grep: grep options, exit codes, regular expressions, recursion
umask 022
D=/tmp/bbsuite-grep
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
printf 'alpha\nBeta\ngamma\ndelta\nalphabet\n' > words
grep alpha words
grep -n a words
grep -c a words
grep -v alpha words
grep -i beta words
grep -w alpha words
grep -o 'al[a-z]' words
grep -E '^(b|g)' words
grep -e gam -e del words
grep 'a$' words
grep -x delta words
grep -q gamma words; echo "found rc=$?"
grep -q nosuch words; echo "missing rc=$?"
grep gamma nosuchfile 2>&1; echo "no file rc=$?"
grep -s gamma nosuchfile; echo "silent rc=$?"
mkdir -p tree/sub
echo needle > tree/a
echo hay > tree/b
echo "needle too" > tree/sub/c
grep -r needle tree | sort
grep -rl needle tree | sort
grep -L needle tree/a tree/b
grep -h needle tree/a tree/sub/c
grep needle tree/a tree/b
seq 1 10000 | grep -c 7
seq 1 100 | grep -E '^[0-9]{2}$' | wc -l
echo "a.b" | grep -F '.'
echo "axb" | grep -F '.'; echo "fixed rc=$?"
printf 'x\ny\n' | grep -A1 x
printf 'a\nb\nc\n' | grep -B1 c
cd / && rm -rf "$D"
