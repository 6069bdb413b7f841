# 11-functions: functions, arguments, local, return codes, recursion
umask 022
D=/tmp/bbsuite-functions
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
greet() { echo "hello $1 ($#)"; }
greet a b
fact() {
  if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi
}
fact 10
fact 20
x=global
f() { local x=local; echo "f sees $x"; g; }
g() { echo "g sees $x"; }
f
echo "after f: $x"
r() { return $1; }
r 0; echo "return 0: $?"
r 7; echo "return 7: $?"
args() { for a; do echo "<$a>"; done; }
args "1 2" 3 ""
set -- outer
h() { echo "in h: $1"; }
h inner
echo "outside: $1"
counter=0
inc() { counter=$((counter + 1)); }
inc; inc; inc
echo "counter $counter"
fib() {
  local n=$1 a b
  if [ $n -lt 2 ]; then echo $n; return; fi
  a=$(fib $((n - 1)))
  b=$(fib $((n - 2)))
  echo $((a + b))
}
fib 10
unset -f greet
greet x 2>/dev/null || echo "greet is gone: $?"
outer() { inner() { echo "defined inside"; }; inner; }
outer
inner
redir() { echo "function output"; } > fout
redir
cat fout
cd / && rm -rf "$D"
