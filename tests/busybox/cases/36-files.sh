# 36-files: files the script writes in several ways, read back with cat
umask 022
D=/tmp/bbsuite-files
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
for i in 1 2 3 4 5; do echo "line $i" >> log; done
cat log
cat > doc <<EOT
title
body $((6 * 7))
EOT
cat doc
{ echo header; cat log; echo footer; } > combined
cat combined
wc -l < combined
printf '%s\n' alpha beta > p
cat p p > pp
cat pp
seq 1 5000 > numbers
cat numbers | tail -n 2
tee copy1 copy2 < numbers > /dev/null
cmp numbers copy1 && cmp numbers copy2 && echo "tee copies equal"
echo overwrite > log
cat log
i=0
while [ $i -lt 100 ]; do printf '%03d\n' $i; i=$((i + 1)); done > loop
head -n 2 loop; tail -n 1 loop; wc -l < loop
exec 5>> log
echo "via fd 5" >&5
echo "again via 5" >&5
exec 5>&-
cat log
cat log log > log2
mv log2 log
cat log
awk 'BEGIN { for (i = 0; i < 200; i++) print i > "fromawk" }'
tail -n 1 fromawk
sed 's/^/> /' doc > quoted
cat quoted
cd / && rm -rf "$D"
