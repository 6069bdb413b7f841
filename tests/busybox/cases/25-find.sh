# 25-find: find by type, name, depth, size, emptiness; -exec and -print0 (sorted)
umask 022
D=/tmp/bbsuite-find
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
mkdir -p src/lib src/bin doc/empty
echo 'int main;' > src/main.c
echo 'void f;' > src/lib/f.c
echo 'header' > src/lib/f.h
printf '%2000s' x > src/bin/tool
: > doc/README
ln -s ../src/main.c doc/link.c
find . | sort
echo "-- files"
find . -type f | sort
echo "-- dirs"
find . -type d | sort
echo "-- links"
find . -type l
echo "-- *.c"
find . -name '*.c' | sort
echo "-- *.c files only"
find . -name '*.c' -type f | sort
echo "-- maxdepth 1"
find . -maxdepth 1 | sort
echo "-- mindepth 2 maxdepth 2"
find . -mindepth 2 -maxdepth 2 | sort
echo "-- empty"
find . -empty | sort
echo "-- bigger than 1k"
find . -type f -size +1k
echo "-- -exec"
find src -name '*.c' -exec cat {} \; | sort
find src -name '*.[ch]' -exec echo found {} + | tr ' ' '\n' | sort
echo "-- -print0"
find . -name 'f.*' -print0 | xargs -0 -n 1 basename | sort
echo "-- not, or"
find . -type f ! -name '*.c' | sort
find . \( -name '*.h' -o -name tool \) | sort
echo "-- -path and -prune"
find . -path ./src -prune -o -type f -print | sort
echo "-- -follow"
find -L doc -type f | sort
echo "-- missing"
find nosuch 2>&1; echo "rc=$?"
find src/lib -name '*.c' | wc -l
cd / && rm -rf "$D"
