# 10-case: case with alternatives, globs, classes, empty and literal patterns
umask 022
D=/tmp/bbsuite-case
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
for w in apple pear Banana cherry 42 x.txt "" '*' -opt zz; do
  case $w in
    apple|pear) echo "$w: fruit list";;
    [A-Z]*) echo "$w: capital";;
    *[0-9]) echo "$w: ends in a digit";;
    *.txt) echo "$w: text";;
    '') echo "empty word";;
    \*) echo "a star";;
    -*) echo "$w: option";;
    *) echo "$w: other";;
  esac
done
case abc in a?c) echo "a?c matches";; esac
case abc in [!x]bc) echo "[!x]bc matches";; esac
case abc in [[:alpha:]]*) echo "class matches";; esac
case x in y) echo no;; esac
echo "no match rc $?"
v=hello
case $v in "$v") echo "quoted variable pattern";; esac
p='h*'
case $v in $p) echo "unquoted pattern variable";; esac
case $v in "$p") echo wrong;; *) echo "quoted pattern is literal";; esac
case 5 in
  [0-4]) echo low;;
  [5-9]) echo high;;
esac
cd / && rm -rf "$D"
