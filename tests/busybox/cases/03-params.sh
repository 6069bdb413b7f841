# 03-params: parameter expansion, positional parameters, IFS, set and shift
umask 022
D=/tmp/bbsuite-params
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
v=/usr/local/lib/libfoo.so.1
echo ${#v} ${v##*/} ${v#*/} ${v%.*} ${v%%.*}
echo ${v:5:5} ${v/lib/LIB} ${v//lib/LIB}
unset u
echo "[${u:-default}] [${u-dash}] [${u:+alt}] [${v:+alt}]"
echo "[${u:=assigned}] [$u]"
e=
echo "[${e:-colon}] [${e-nocolon}] [${e:+set}] [${e+set}]"
set -- a "b c" d
echo $# "$1" "$2" "$3"
for x in "$@"; do echo "at:$x"; done
for x in $*; do echo "star:$x"; done
for x in "$*"; do echo "quoted star:$x"; done
IFS=:
echo "$*"
IFS=' '
shift; echo $# "$1"
shift 2; echo $#
s="one two   three"
set -- $s; echo $# $3
IFS=,; set -- $(echo "x,y,,z"); echo $#; IFS=' '
line="k1=v1;k2=v2"
IFS=';'; for kv in $line; do echo "pair ${kv%%=*} -> ${kv#*=}"; done; IFS=' '
echo ${#}
cd / && rm -rf "$D"
