# 46-getopts-eval: getopts option parsing, eval, set --, shift in functions
umask 022
D=/tmp/bbsuite-getopts
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
parse() {
  OPTIND=1
  while getopts "ab:c" opt; do
    case $opt in
      a) echo "flag a";;
      b) echo "b with $OPTARG";;
      c) echo "flag c";;
      \?) echo "bad option";;
    esac
  done
  shift $((OPTIND - 1))
  echo "rest: $*"
}
parse -a -b val file1 file2
parse -ac -bx -- -notopt
parse -z 2>/dev/null
parse plain
cmd='echo evaluated $((1 + 1))'
eval "$cmd"
var=name
eval "$var=value"
echo "name=$name"
for i in 1 2 3; do eval "v$i=$((i * 10))"; done
echo "$v1 $v2 $v3"
eval 'f() { echo "function from eval"; }'
f
x='$HOME'
eval "echo $x"
eval "echo '$x'"
set -- "first arg" second "third  arg"
echo "$#: $1 | $2 | $3"
eval "last=\${$#}"
echo "last=$last"
cnt() { echo $#; }
cnt "$@"
cnt $@
cnt "$*"
cnt
eval 'exit_code() { return 6; }'; exit_code; echo "rc $?"
cd / && rm -rf "$D"
