# 31-exit-codes: $?, && and ||, set -e in subshells, 126 and 127, exit codes over 255
umask 022
D=/tmp/bbsuite-exitcodes
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
true; echo "true $?"
false; echo "false $?"
! false; echo "! false $?"
true && echo "and runs"
false && echo "not printed"
false || echo "or runs"
true || echo "not printed"
false; false || true; echo "false||true $?"
(exit 42); echo "exit 42: $?"
sh -c 'exit 300'; echo "exit 300: $?"
sh -c 'exit -1' 2>/dev/null; echo "exit -1: $?"
nosuchcommand 2>/dev/null; echo "not found: $?"
echo 'echo hi' > script
chmod 644 script
./script 2>/dev/null; echo "not executable: $?"
sh script; echo "sh script: $?"
mkdir adir
./adir 2>/dev/null; echo "a directory: $?"
(set -e; false; echo "not reached"); echo "set -e subshell: $?"
(set -e; false || true; echo "set -e survives ||"); echo "rc $?"
(set -e; if false; then :; fi; echo "set -e survives if"); echo "rc $?"
(set -e; ! true; echo "set -e survives !"); echo "rc $?"
(set -e; x=$(false); echo "not reached"); echo "set -e cmdsub: $?"
(set -e; false | true; echo "set -e pipeline ok"); echo "rc $?"
(set -u; echo "$undefined_var"; echo "not reached") 2>/dev/null; echo "set -u: $?"
f() { return 3; }
f; echo "function 3: $?"
f || echo "function failed with $?"
if f; then echo no; else echo "if saw $?"; fi
grep -q x /dev/null; echo "grep no match: $?"
ls /nosuch 2>/dev/null; echo "ls missing: $?"
test 1 -eq 1; echo "test: $?"
expr 1 + 1 >/dev/null; echo "expr nonzero: $?"
expr 1 - 1 >/dev/null; echo "expr zero: $?"
cd / && rm -rf "$D"
