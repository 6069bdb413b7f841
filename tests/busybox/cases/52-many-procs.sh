# 52-many-procs: hundreds of short processes, pipes and command substitutions in loops
umask 022
D=/tmp/bbsuite-manyprocs
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
i=0
while [ $i -lt 100 ]; do
  x=$(echo $i | tr 0-9 a-j)
  i=$((i + 1))
done
echo "last: $x"
i=0
while [ $i -lt 100 ]; do
  sh -c "exit $((i % 7))"
  s=$((s + $?))
  i=$((i + 1))
done
echo "sum of statuses: $s"
n=0
for i in $(seq 1 50); do
  n=$(( n + $(seq 1 $i | wc -l) ))
done
echo "lines counted: $n"
for i in $(seq 1 30); do (echo $i > f$i) & done
wait
cat f* | sort -n | tail -n 1
ls | wc -l
i=0
while [ $i -lt 50 ]; do cat f1 | cat | cat > /dev/null; i=$((i + 1)); done
echo "pipelines done"
cd / && rm -rf "$D"
