# 08-subshell: ( ) and { }, command substitution ($() and backquotes), nesting
umask 022
D=/tmp/bbsuite-subshell
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
x=outer
(x=inner; echo "in: $x")
echo "out: $x"
(cd /; pwd)
pwd
{ x=group; }
echo "group: $x"
y=$(echo captured)
echo "$y"
z=`echo back ticks`
echo "$z"
n=$(echo $(echo $(echo nested three deep)))
echo "$n"
lines=$(printf 'a\nb\n\n\n')
echo "[$lines]"
(exit 3)
echo "subshell rc $?"
r=$(exit 4)
echo "cmdsub rc $?"
echo "$(cd nosub 2>/dev/null || echo nosub)"
count=$(seq 1 1000 | wc -l)
echo $count
echo $( (echo a; echo b) | tr '\n' , )
(echo to file) > f
cat f
v=$(cat f)
echo "v=$v"
w=$(cat < f; echo more)
echo "$w"
( (echo inner1; (echo inner2)) ; echo outer ) | sort
(umask 077; umask)
umask
(set -- in sub; echo "$#: $*")
echo "$#"
cd / && rm -rf "$D"
