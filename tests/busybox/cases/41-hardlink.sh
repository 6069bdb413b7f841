# 41-hardlink: ln (hard links): shared contents, link counts, removing one name
umask 022
D=/tmp/bbsuite-hardlink
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
echo original > a
ln a b
stat -c '%h %n' a b
echo changed via b > b
cat a
ln b c
stat -c '%h' a
test a -ef c && echo "a and c are the same file"
rm a
cat c
stat -c '%h' b
mv c d
cat d
stat -c '%h' b
ln d d 2>&1; echo "ln onto itself rc=$?"
ln nosuch e 2>&1; echo "ln missing rc=$?"
mkdir dir
ln dir dirlink 2>&1; echo "ln of a directory rc=$?"
ls -1
cd / && rm -rf "$D"
