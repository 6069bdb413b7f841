# 58-mtime-order: modification times set by touch -d and -r, ordering by ls -t, find -newer and
# test -nt (never the current time: the kernel may have no real-time clock)
umask 022
D=/tmp/bbsuite-mtime
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
touch -d '2001-01-01 00:00:00' old
touch -d '2011-01-01 00:00:00' middle
touch -d '2021-01-01 00:00:00' new
ls -1t
ls -1tr
find . -type f -newer middle
find . -type f ! -newer middle | sort
touch -r old copy
ls -1t old copy new | head -n 1
stat -c '%Y %n' old middle new copy | sort -n | awk '{ print $2 }'
[ new -nt old ] && echo "new is newer than old"
[ old -ot middle ] && echo "old is older than middle"
touch -d '2031-01-01 00:00:00' old
[ old -nt new ] && echo "old is now the newest"
ls -1t | head -n 1
touch -d '1999-12-31 23:59:59' middle
ls -1tr | head -n 1
echo data >> middle
test -s middle && echo "writing keeps the file"
cd / && rm -rf "$D"
