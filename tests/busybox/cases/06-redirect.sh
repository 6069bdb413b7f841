# 06-redirect: >, >>, <, 2>&1, >/dev/null, 2>file, noclobber, numbered descriptors
umask 022
D=/tmp/bbsuite-redirect
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
echo one > f
echo two >> f
cat f
echo three > f
cat f
wc -l < f
{ echo out; echo err >&2; } > both 2>&1
cat both
{ echo out2; echo err2 >&2; } 2>/dev/null
{ echo out3; echo err3 >&2; } >/dev/null 2>&1
echo "after silent group"
ls nosuch > /dev/null 2> err
echo "ls rc=$?"
cat err
cat < f > g
cat g
set -C
(echo clobber > f) 2>/dev/null
echo "noclobber rc=$?"
echo forced >| f
set +C
cat f
echo x > /dev/null
cat /dev/null
echo "dev null read done"
exec 3> fd3
echo via3 >&3
echo via3b >&3
exec 3>&-
cat fd3
exec 4< fd3
read line <&4
echo "read from 4: $line"
read line <&4
echo "read from 4: $line"
exec 4<&-
: > f
wc -c < f
echo "to stderr" 2>&1 >/dev/null
(echo "stderr into pipe" >&2) 2>&1 | tr a-z A-Z
printf 'a\nb\n' > in1
while read l; do echo "line $l"; done < in1
echo "order" > o; echo "matters" >> o; sort -r < o > o2; cat o2
cd / && rm -rf "$D"
