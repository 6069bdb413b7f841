# 48-exec-fd: exec redirections of the shell itself, descriptor duplication and closing
umask 022
D=/tmp/bbsuite-execfd
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
exec 3> three
echo "to three" >&3
exec 4>&3
echo "to four, same file" >&4
exec 3>&- 4>&-
cat three
(exec > redirected; echo "into file"; echo "also into file")
cat redirected
(exec 2> errs; ls nosuch; echo "stdout still here")
cat errs
{ echo "x" >&3; } 2>/dev/null || echo "fd 3 is closed"
exec 5< three
while read -r l <&5; do echo "fd5: $l"; done
exec 5<&-
exec 6<> rw
echo "read-write" >&6
exec 6>&-
cat rw
{ echo a; echo b >&2; } 2>&1 > out | sed 's/^/pipe: /'
cat out
echo "sh -c inherits fd 7" > seven
exec 7< seven
sh -c 'cat <&7'
exec 7<&-
sh -c 'echo "x" >&7' 2>/dev/null || echo "closed fd not inherited"
exec 8> eight
sh -c 'echo "child wrote to 8" >&8'
exec 8>&-
cat eight
cd / && rm -rf "$D"
