# bash's own features, printed (tests/qemu/debian_root_test.py): its output
# must be byte for byte what the same Debian bash prints on Linux.
set -u
shopt -s extglob
f() { local x=$1; echo "f got $x and $# args"; return $(( $# + 40 )); }
f one two; echo "status $?"
arr=(zero one "two words" three)
echo "len ${#arr[@]} last ${arr[-1]} slice ${arr[*]:1:2}"
declare -A assoc=([b]=2 [a]=1 [c]=3)
for k in $(printf '%s\n' "${!assoc[@]}" | sort); do echo "assoc $k=${assoc[$k]}"; done
echo $(( (7 * 6) % 5 + 2 ** 10 )) $(( 0x10 | 3 )) $(( -7 / 2 ))
n=0; for ((i = 1; i <= 100; i++)); do ((n += i * i)); done; echo "squares $n"
x=$(echo inner $(echo nested)); echo "subst: $x"
cat <<END
here-doc with $x and $((1 + 2))
	a tab kept
END
cat <<'END'
quoted $x stays
END
tr a-z A-Z <<<"here-string"
printf '%5d|%-5s|%x|%o|%.3f|%q\n' 42 ab 255 8 3.14159 "a b"
printf -v pv '%03d' 7; echo "printf -v $pv"
seq 1 20 | grep 1 | sort -r | tr '\n' ' '; echo
echo "a:b:c" | { IFS=: read -r p q r; echo "read $r $q $p"; }
while read -r line; do echo "line <$line>"; done <<'END'
first line
  second  line
END
mkdir -p globdir && touch globdir/a1.txt globdir/a2.txt globdir/b1.log globdir/.hidden
echo globdir/a*.txt globdir/?1.* globdir/[ab]1*
shopt -s nullglob; echo "none: [" globdir/*.none "]"; shopt -u nullglob
echo globdir/!(*.txt)
s="Hello, World"; echo "${s,,} ${s^^} ${s/World/bash} ${s#Hello} ${#s} ${s:7:3}"
(cd globdir && echo "subshell in $(basename "$PWD")"; exit 3); echo "subshell status $?"
echo "still in $(basename "$PWD")"
( trap 'echo "trap EXIT in subshell"' EXIT; echo "subshell body" )
( trap 'echo "got USR1"' USR1; kill -USR1 $BASHPID; echo "after kill" )
( trap 'echo "ERR trap: $BASH_COMMAND"' ERR; false; echo "after false" )
for i in 4 3 2 1; do (sleep 0.$i; echo "job $i done" >job$i) & done; wait; cat job1 job2 job3 job4; rm job?
sleep 0.1 & pid=$!; wait $pid; echo "wait for one: $?"
(exit 7) & wait $!; echo "background status $?"
set +e; false | true; echo "pipe status ${PIPESTATUS[*]}"
set -o pipefail; false | true; echo "pipefail $?"; set +o pipefail
exec 3>fd3.txt; echo "to fd 3" >&3; exec 3>&-; cat fd3.txt
{ echo out; echo err >&2; } 2>&1 | sort
case "abc" in a*c) echo "case glob";; *) echo "no";; esac
[[ "foo123" =~ ^([a-z]+)([0-9]+)$ ]] && echo "regex ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
count=0; until [ $count -ge 3 ]; do count=$((count + 1)); done; echo "until $count"
fib() { if (( $1 < 2 )); then echo $1; else echo $(( $(fib $(($1 - 1))) + $(fib $(($1 - 2))) )); fi; }
echo "fib 12 = $(fib 12)"
mapfile -t lines < <(printf 'x\ny\nz\n'); echo "mapfile ${#lines[@]} ${lines[1]}"
echo "$(( RANDOM >= 0 ))" "${BASH_VERSINFO[0]}"
eval 'ev=evaluated'; echo "$ev"
type -t f cd ls
printf '%s\n' "${arr[@]}" | while read -r w; do echo "[$w]"; done
echo "== job control"
# set -m in a bash of its own (a job table with no jobs yet, so the first
# is %1; stdin a here-doc): each job its own process group, stopped and
# continued by %-names, jobs' listing, fg and bg, wait for %n.
# (/proc/<pid>/stat's fifth field is the process group.)
bash <<'JC'
set -m
pg() { cut -d' ' -f5 /proc/$1/stat; } # a job's (qemu-user fakes the shell's own)
sleep 5 & j=$!
jobs
[ "$(pg $j)" = "$j" ] && echo "the job is its own process group"
kill -STOP %1; sleep 0.5; jobs
kill -CONT %1; sleep 0.5; jobs
kill %1; wait %1; echo "killed: $?"
jobs; echo "no jobs left"
sleep 2 & sleep 1 & jobs
wait %2; echo "waited for %2: $?"
fg %1; echo "fg: $?"
(exit 5) & wait %%; echo "%%: $?"
sleep 5 & bg; echo "bg of a job in the background: $?"; kill %1; wait %1; echo "killed again: $?"
set +m
sleep 5 & a=$!; sleep 5 & b=$!
[ "$(pg $a)" = "$(pg $b)" ] && [ "$(pg $a)" != "$a" ] && echo "without -m: jobs stay in the shell's group"
kill $a $b; wait
JC
echo "job control shell: $?"
rm -r globdir fd3.txt
echo done
