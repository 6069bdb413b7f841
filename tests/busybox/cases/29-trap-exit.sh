# 29-trap-exit: trap on EXIT in the script and in subshells; the script exits 5
umask 022
D=/tmp/bbsuite-trapexit
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
trap 'echo "exit trap runs, status $?"; cd /; rm -rf "$D"; test -e "$D" || echo "scratch removed"' EXIT
(trap 'echo "subshell exit trap"' EXIT; echo "in subshell")
echo "after subshell"
(trap 'echo "trap sees status $?"' EXIT; exit 4)
echo "subshell status $?"
out=$(trap 'echo from trap' EXIT; echo from body)
echo "captured: $out" | tr '\n' ' '; echo
(trap 'echo "not printed"' EXIT; trap - EXIT; echo "trap removed")
sh -c 'trap "echo child trap" EXIT; exit 2'; echo "child status $?"
(set -e; trap 'echo "trap after set -e failure"' EXIT; false; echo "not reached")
echo "status after set -e subshell $?"
trap
echo "leaving with 5"
exit 5
