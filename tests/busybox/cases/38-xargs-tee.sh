# 38-xargs-tee: xargs batching and its exec of applets; tee to files and pipes
umask 022
D=/tmp/bbsuite-xargs
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
seq 1 10 | xargs echo
seq 1 10 | xargs -n 3 echo
seq 1 5 | xargs -I{} echo "item {}"
echo "a b c" | xargs -n 1 | sort -r
printf 'f1\nf2\nf3\n' | xargs touch
ls -1
printf 'f1\0f2\0' | xargs -0 rm
ls -1
seq 1 1000 | xargs | wc -w
echo | xargs echo "empty input"
echo x | xargs sh -c 'echo "sh got $0"'
echo "tee me" | tee t1 | tr a-z A-Z
cat t1
echo "appended" | tee -a t1 > /dev/null
cat t1
seq 1 3 | tee t2 t3 | wc -l
cat t2 t3 | wc -l
seq 1 20000 | tee big | tail -n 1
wc -l < big
seq 1 3 | xargs -n 1 sh -c 'exit $0'; echo "xargs with failing command: $?"
cd / && rm -rf "$D"
