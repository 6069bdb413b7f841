# 32-env-export: export, env, unset, env -i, assignments before commands
umask 022
D=/tmp/bbsuite-env
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
echo "HOME=$HOME"
BB_LOCAL=local
sh -c 'echo "child sees [$BB_LOCAL]"'
export BB_LOCAL
sh -c 'echo "child sees [$BB_LOCAL] after export"'
export BB_A=1 BB_B="two words"
env | grep '^BB_' | sort
BB_C=temporary sh -c 'echo "prefix assignment [$BB_C]"'
echo "after prefix [$BB_C]"
env BB_D=viaenv sh -c 'echo "env assignment [$BB_D]"'
env -i PATH="$PATH" BB_E=only sh -c 'env' | grep -v '^PATH=' | sort
env -u BB_A sh -c 'echo "env -u [$BB_A]"'
unset BB_A
sh -c 'echo "after unset [$BB_A]"'
export -p | grep BB_ | sort
BB_RO=fixed
readonly BB_RO
(BB_RO=changed) 2>/dev/null || echo "readonly refused"
f() { BB_F=infunc; export BB_F; }
f
sh -c 'echo "exported in function [$BB_F]"'
(export BB_SUB=sub; sh -c 'echo "in subshell [$BB_SUB]"')
sh -c 'echo "outside subshell [$BB_SUB]"'
set | grep '^BB_' | sort
cd / && rm -rf "$D"
