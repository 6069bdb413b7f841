# 57-long-lines: lines of 100 KB and more through pipes, files and the shell's variables
umask 022
D=/tmp/bbsuite-longlines
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "x"; print "" }' > long
wc -c < long
wc -L < long
cat long | sed 's/x/y/g' | tr -d '\n' | wc -c
cat long long | md5sum
v=$(cat long)
echo ${#v}
echo "$v" | cut -c 99990-100000
printf '%s' "$v" | wc -c
tr x '\n' < long | wc -l
head -c 200000 /dev/zero | tr '\0' 'z' | fold -w 1000 | wc -l
awk '{ print length($0) }' long
grep -c x long
cd / && rm -rf "$D"
