# 12-ls-l: ls -l permissions and names (dates and owners left out), ls options
umask 022
D=/tmp/bbsuite-ls
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
touch empty
echo hello > five
printf '%1000s' x > big
chmod 644 empty; chmod 600 five; chmod 755 big
mkdir dir sub
chmod 750 dir
ln -s five link
echo "-- files: mode size name"
ls -l empty five big | awk '{ print $1, $5, $NF }'
echo "-- link"
ls -l link | awk '{ print $1, $(NF-2), $(NF-1), $NF }'
echo "-- dirs"
ls -ld dir sub | awk '{ print $1, $NF }'
echo "-- ls -l of the directory, first column and name"
ls -l | grep -v '^total' | awk '{ print substr($1, 1, 10), $9 }'
echo "-- ls -1"
ls -1
echo "-- ls -1F"
ls -1F
echo "-- ls -1r"
ls -1r
echo "-- ls -1S of files"
ls -1S big empty five
echo "-- ls -a1 sub"
touch sub/.hidden sub/visible
ls -a1 sub
ls -1 sub
echo "-- ls -1A sub"
ls -1A sub
echo "-- ls -R"
mkdir -p tree/a/b
touch tree/a/x tree/a/b/y tree/z
ls -R1 tree
echo "-- special bits"
chmod 4755 big; chmod 2755 five; chmod 1777 dir
ls -l big five | awk '{ print $1, $NF }'
ls -ld dir | awk '{ print $1, $NF }'
chmod 000 empty
ls -l empty | awk '{ print $1, $NF }'
echo "-- ls -d"
ls -1d dir sub tree
echo "-- ls of a missing file"
ls nosuch 2>&1
echo "rc=$?"
cd / && rm -rf "$D"
