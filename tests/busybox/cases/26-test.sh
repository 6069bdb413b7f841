# 26-test: test and [ ] on strings, numbers, files, with ! -a -o
umask 022
D=/tmp/bbsuite-test
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
t() { if "$@"; then echo "true : $*"; else echo "false: $*"; fi; }
t [ abc = abc ]
t [ abc != abc ]
t [ -z "" ]
t [ -n "" ]
t [ -n x ]
t [ x ]
t [ "" ]
t [ 3 -eq 3 ]
t [ 3 -ne 3 ]
t [ 2 -lt 10 ]
t [ 10 -le 2 ]
t [ -5 -gt -6 ]
t [ 7 -ge 8 ]
t [ a \< b ]
t [ ! -e nosuch ]
echo data > file
: > empty
mkdir dir
ln -s file link
ln -s nosuch dangling
chmod 755 file
chmod 644 empty
t test -e file
t test -f file
t test -f dir
t test -d dir
t test -d file
t test -s file
t test -s empty
t test -L link
t test -L file
t test -h dangling
t test -e dangling
t test -f link
t test -x file
t test -x empty
t test -p file
t test -c /dev/null
t test -b /dev/null
t test -c file
t test file -ef link
t test file -ef empty
t [ -f file -a -d dir ]
t [ -f file -a -d file ]
t [ -f dir -o -d dir ]
t [ \( -f file \) -a ! -d file ]
[ 1 -eq 2 ]; echo "rc=$?"
[ 1 -eq 1 ]; echo "rc=$?"
[ abc -eq 1 ] 2>/dev/null; echo "bad number rc=$?"
[[ a == a ]] 2>/dev/null && echo "[[ works"
cd / && rm -rf "$D"
