# 30-trap-signal: traps on signals the script sends itself with kill; ignored signals
umask 022
D=/tmp/bbsuite-trapsig
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
trap 'echo "got USR1"' USR1
trap 'echo "got USR2"; n=$((n + 1))' USR2
trap 'echo "got HUP"' HUP
n=0
kill -USR1 $$
echo "after USR1"
kill -USR2 $$; kill -USR2 $$; kill -s USR2 $$
echo "USR2 count $n"
kill -HUP $$
trap
trap - USR1
trap '' TERM
kill -TERM $$
echo "TERM ignored"
trap 'echo "got TERM"' TERM
kill $$
echo "after TERM"
trap - TERM
sh -c 'kill $$; echo "not reached"'
echo "child killed by TERM: $?"
(trap - TERM; kill -TERM $(sh -c 'echo $PPID'); echo "not reached")
echo "subshell killed by TERM: $?"
sh -c 'kill -USR1 $$; echo "not reached"'
echo "child killed by USR1: $?"
sh -c 'trap "echo child got INT; exit 9" INT; kill -INT $$; echo "not reached"'
echo "child status $?"
(trap 'echo "sub got USR1"' USR1; kill -USR1 $(sh -c 'echo $PPID'); echo "sub continues")
trap 'echo "got ALRM"' ALRM
kill -ALRM $$
sh -c 'trap "" USR2; kill -USR2 $$; echo "child ignored USR2"'
trap "" INT
sh -c 'kill -INT $$; echo "INT ignored from parent"'
cd / && rm -rf "$D"
