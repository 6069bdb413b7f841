# 28-bg-jobs: several background jobs with & writing files, waited for
umask 022
D=/tmp/bbsuite-bgjobs
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
for i in 1 2 3 4 5; do
  (sleep 0.$((6 - i)); echo "job $i done" > out.$i) &
done
wait
cat out.* | sort
for i in 1 2 3; do
  seq 1 $((i * 1000)) | wc -l > count.$i &
done
wait
cat count.1 count.2 count.3
pids=""
for i in 1 2 3; do (exit $i) & pids="$pids $!"; done
for p in $pids; do wait $p; echo "status $?"; done
{ echo group in background > g; } &
wait
cat g
(sleep 1; echo late > late) &
echo "immediately after &"
test -e late || echo "late not yet there"
wait
cat late
i=0
while [ $i -lt 20 ]; do echo $i > f.$i & i=$((i + 1)); done
wait
cat f.* | sort -n | tr '\n' ' '; echo
ls f.* | wc -l
cd / && rm -rf "$D"
