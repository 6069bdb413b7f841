# 02-arith: $((...)) arithmetic: precedence, division, bases, 64 bits, assignments
umask 022
D=/tmp/bbsuite-arith
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
echo $((1 + 2 * 3)) $(( (1 + 2) * 3 )) $((7 / 2)) $((7 % 3)) $((-7 / 2)) $((-7 % 3))
echo $((1 << 40)) $((0x1f)) $((010)) $((2 ** 10)) $((-(3)))
x=5
echo $((x * x)) $((x += 3)) $x $((x++)) $x $((--x)) $x $((x -= 10)) $x
echo $((x > 3 ? 100 : 200)) $((3 == 3)) $((3 != 3)) $((!0)) $((5 & 3)) $((5 | 3)) $((5 ^ 3)) $((~0))
echo $((1 && 0)) $((0 || 2)) $((4 >= 4)) $((4 < 2)) $((100 >> 3))
echo $((9223372036854775807)) $((9223372036854775807 + 1)) $((-9223372036854775807 - 1))
i=0; s=0
while [ $i -lt 100 ]; do i=$((i + 1)); s=$((s + i)); done
echo sum $s
n=12; echo $(( n * (n + 1) / 2 ))
y=x; x=6; echo $((y * 2))
(echo $((1 / 0))) 2>&1
echo "after division by zero: $?"
cd / && rm -rf "$D"
