# 27-sleep-kill-wait: sleep, kill of a background job, wait and its statuses
umask 022
D=/tmp/bbsuite-sleepkill
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
sleep 0.1; echo "slept rc=$?"
sleep 0; echo "sleep 0 rc=$?"
# wait's stderr is dropped: ash names the signal ("Killed") only when
# wait itself reaps the job, not when it reaped it before wait began, and
# which comes first is a race between the child's death and the shell's
# next command, on Linux as here. The statuses are what is compared.
sleep 10 &
p=$!
kill $p
wait $p 2>/dev/null; echo "killed sleep: $?"
sleep 10 &
p=$!
kill -9 $p
wait $p 2>/dev/null; echo "sleep killed by 9: $?"
sleep 10 &
p=$!
kill -USR1 $p
wait $p 2>/dev/null; echo "sleep killed by USR1: $?"
sh -c 'exit 7' &
wait $!; echo "exit 7 in background: $?"
(sleep 0.2; exit 3) &
p=$!
kill -0 $p && echo "kill -0 of a live job rc=0"
wait $p; echo "waited for exit 3: $?"
kill -0 $$ && echo "kill -0 self rc=0"
sleep 0.2 &
sleep 0.1 &
wait; echo "wait for all rc=$?"
kill -s TERM 2>/dev/null; echo "kill with no pid rc=$?"
kill -l 9; kill -l 15; kill -l TERM
timeout 1 sleep 5; echo "timeout: $?"
timeout 5 sleep 0.1; echo "no timeout: $?"
cd / && rm -rf "$D"
