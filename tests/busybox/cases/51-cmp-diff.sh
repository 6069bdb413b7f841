# 51-cmp-diff: cmp and diff of files the script writes, and their exit codes
umask 022
D=/tmp/bbsuite-cmpdiff
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
seq 1 10 > a
seq 1 10 > b
seq 1 10 | sed 's/5/five/' > c
cmp a b; echo "cmp equal rc=$?"
cmp a c; echo "cmp differ rc=$?"
cmp -s a c; echo "cmp -s rc=$?"
cmp a nosuch 2>&1; echo "cmp missing rc=$?"
diff a b; echo "diff equal rc=$?"
diff a c | sed '1,2d'; echo
diff a c > /dev/null; echo "diff differ rc=$?"
seq 1 5 > short
diff short a | sed '1,2d'
printf 'x\n' > one
printf 'x' > one_nonl
cmp one one_nonl 2>&1; echo "rc=$?"
mkdir d1 d2
echo same > d1/f; echo same > d2/f
echo left > d1/g
diff -r d1 d2 2>&1 | sed 's/^\(---\|+++\) \([^	]*\).*/\1 \2/'; echo "diff -r rc"
cd / && rm -rf "$D"
