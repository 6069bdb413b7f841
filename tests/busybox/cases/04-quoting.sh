# 04-quoting: quotes, backslashes, word splitting and globbing of quoted words
umask 022
D=/tmp/bbsuite-quoting
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
a="x   y"
echo $a
echo "$a"
echo '$a'
echo \$a
echo "\$a \"q\" \\ \`"
echo "$(echo "nested \"quotes\"")"
touch f1 f2
echo "*" '*' *
echo f*
echo "f*"
b='with * glob'
echo $b
echo "$b"
c=""
set -- $c; echo $#
set -- "$c"; echo $#
echo a\ b 'c'"d"e
echo 'it'\''s'
echo "tab	inside"
echo one\
two
cd / && rm -rf "$D"
