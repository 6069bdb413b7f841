# 09-loops: for, while, until, break and continue (with levels)
umask 022
D=/tmp/bbsuite-loops
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
for i in 1 2 3; do echo "for $i"; done
for w in $(echo a b c); do printf '%s.' "$w"; done; echo
i=0
while [ $i -lt 5 ]; do
  i=$((i + 1))
  [ $i -eq 2 ] && continue
  [ $i -eq 4 ] && break
  echo "while $i"
done
i=3
until [ $i -eq 0 ]; do echo "until $i"; i=$((i - 1)); done
for a in 1 2 3; do for b in x y z; do [ $b = y ] && continue 2; echo "c2 $a$b"; done; done
for a in 1 2; do for b in x y; do [ $a = 2 ] && break 2; echo "b2 $a$b"; done; done
touch f1 f2 f3
for f in f*; do echo "glob $f"; done
for f in nomatch*; do echo "literal $f"; done
set -- p q
for arg; do echo "arg $arg"; done
seq 3 | while read n; do echo "read $n"; done
i=0; while :; do i=$((i + 1)); [ $i -ge 1000 ] && break; done; echo "spun to $i"
for i in $(seq 1 5); do printf '%d' $((i * i)); done; echo
out=$(for i in 1 2 3; do echo "x$i"; done)
echo $out
cd / && rm -rf "$D"
