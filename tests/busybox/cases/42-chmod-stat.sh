# 42-chmod-stat: chmod numeric and symbolic modes, umask, stat's mode, size, type
umask 022
D=/tmp/bbsuite-chmod
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
echo data > f
stat -c '%a %A %s %F %n' f
for m in 600 640 755 700 444 4711 2755 1644 0; do chmod $m f; stat -c "$m: %a %A" f; done
chmod 644 f
chmod u+x f; stat -c '%A' f
chmod g+w,o-r f; stat -c '%A' f
chmod a=r f; stat -c '%A' f
chmod u=rwx,go= f; stat -c '%A' f
chmod -x f; stat -c '%A' f
chmod +t f; stat -c '%A' f
mkdir d
stat -c '%a %A %F %n' d
chmod -R 700 d; stat -c '%a' d
: > empty
stat -c '%s %F' empty
ln -s f l
stat -c '%A %F %N' l
stat -L -c '%A %F %s' l
umask 077
touch private; mkdir privdir
stat -c '%a %n' private privdir
umask 000
touch open; mkdir opendir
stat -c '%a %n' open opendir
umask 022
printf '%12345s' x > sized
stat -c '%s' sized
chmod 644 nosuch 2>&1; echo "chmod missing rc=$?"
stat nosuch 2>&1; echo "stat missing rc=$?"
stat -c '%F' /dev/null
cd / && rm -rf "$D"
