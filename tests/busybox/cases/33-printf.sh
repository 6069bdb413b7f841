# 33-printf: printf conversions, widths, precision, escapes, argument reuse
umask 022
D=/tmp/bbsuite-printf
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
printf 'plain\n'
printf '%s|%s\n' a b c d
printf '[%5s][%-5s][%.2s]\n' ab ab abcdef
printf '[%d][%5d][%-5d][%05d][%+d]\n' 42 42 42 42 42
printf '[%x][%X][%o][%#x][%#o]\n' 255 255 8 255 8
printf '[%c][%c]\n' A hello
printf '[%%][%s]\n' percent
printf '[%.3f][%8.2f][%e]\n' 3.14159 2.5 12345.678
printf '%d\n' 0x10 010 -7
printf '%s\n' "with spaces" 'and $dollar'
printf 'tab\there\nbackslash\\ and \101\n'
printf '%b\n' 'escape\tin %b'
printf '%s-%s\n' only
printf '%d %d\n' 1 2 3 4
printf '%5.1s|\n' xyz
printf '%d\n' notanumber 2>/dev/null; echo "bad number rc=$?"
printf '%i\n' 12
printf 'no newline'; printf '\n'
printf '%s\n' $(seq 1 3)
v=$(printf '%03d' 7); echo "v=$v"
printf '%*d|\n' 6 42
printf '%u\n' 4294967295
cd / && rm -rf "$D"
