# 05-pipes: pipelines several stages deep, their exit status, pipefail
umask 022
D=/tmp/bbsuite-pipes
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
seq 1 100 | grep 7 | sed 's/7/X/' | sort -r | head -n 5 | tr X Y | cat -n
echo "a b c d" | tr ' ' '\n' | sort -r | tr '\n' ' '; echo
echo deep | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat
seq 1 10 | awk '{ print $1 * $1 }' | paste -sd+
seq 1 500 | grep -v 3 | awk '{ s += $1 } END { print s }'
false | true; echo "false|true: $?"
true | false; echo "true|false: $?"
! true | false; echo "! true|false: $?"
set -o pipefail
false | true; echo "pipefail false|true: $?"
true | true; echo "pipefail true|true: $?"
set +o pipefail
n=0
seq 5 | while read x; do n=$((n + x)); done
echo "n after piped loop: $n"
seq 5 | { s=0; while read x; do s=$((s + x)); done; echo "sum in group: $s"; }
echo abc | rev | tr a-z A-Z | sed 's/^/[/;s/$/]/'
cd / && rm -rf "$D"
