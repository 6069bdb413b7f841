# 54-wait-status: statuses of children that exit or die by signals, as $? shows them
umask 022
D=/tmp/bbsuite-waitstatus
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
for code in 0 1 2 127 128 255; do sh -c "exit $code"; echo "exit $code -> $?"; done
for sig in HUP TERM KILL USR1 USR2 ALRM; do
  sh -c "kill -$sig \$\$" 2> msg
  echo "$sig -> $?"
  cat msg
done
sh -c 'kill -TERM $$' &
wait $!; echo "background TERM -> $?"
(sh -c 'exit 5'; echo "inner $?"; exit 6); echo "outer $?"
sh -c 'sh -c "exit 8"; exit $?'; echo "nested -> $?"
sh -c 'kill -9 $$; echo never'; echo "KILL in child -> $?"
cd / && rm -rf "$D"
