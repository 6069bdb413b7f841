# 49-sh-c: nested shells: sh -c with arguments, sh -s, scripts run by sh, . (source)
umask 022
D=/tmp/bbsuite-shc
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
sh -c 'echo "zero=$0 one=$1 two=$2 count=$#"' name a b
sh -c 'sh -c "sh -c \"echo three levels\""'
echo 'echo "script args: $# $1"; exit 4' > s.sh
sh s.sh x y
echo "script rc $?"
echo 'echo "from stdin: $1"' | sh -s -- arg
echo 'sourced_var=set; echo "sourcing"' > lib.sh
. ./lib.sh
echo "sourced_var=$sourced_var"
sh -c 'echo $((6 * 7))'
sh -c 'false'; echo "rc $?"
sh -c 'exit 0'; echo "rc $?"
printf 'echo line1\necho line2\nexit 3\necho never\n' > multi.sh
sh multi.sh; echo "multi rc $?"
sh -n multi.sh; echo "syntax ok rc $?"
echo 'if then' > broken.sh
sh broken.sh 2>/dev/null; echo "syntax error rc $?"
sh -c 'cd /tmp && pwd'
pwd
sh -c 'x=inner'; echo "x=[$x]"
sh -e -c 'false; echo not reached'; echo "sh -e rc $?"
sh -x -c 'echo traced' 2>&1 | cat
cd / && rm -rf "$D"
