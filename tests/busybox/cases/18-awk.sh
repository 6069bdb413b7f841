# 18-awk: fields, -F, NR/NF, arrays, printf, BEGIN/END, functions, strings
umask 022
D=/tmp/bbsuite-awk
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
printf 'alice 30 paris\nbob 25 rome\ncarol 35 paris\ndave 40 oslo\n' > people
awk '{ print $1 }' people
awk '{ print NR": "$3, NF }' people
awk '$2 > 28 { print $1 }' people
awk '{ s += $2 } END { print "total", s, "avg", s / NR }' people
awk '{ n[$3]++ } END { for (c in n) print c, n[c] }' people | sort
awk 'BEGIN { printf "%5s|%-5s|%03d|%.2f|%x|%c\n", "r", "l", 7, 3.14159, 255, 65 }'
echo "a:b:c" | awk -F: '{ print $2, NF }'
echo "a,b;c" | awk -F'[,;]' '{ print $3 $1 }'
awk 'BEGIN { s = "Hello, World"; print length(s), substr(s, 1, 5), index(s, "World"), toupper(s), tolower(s) }'
awk 'BEGIN { n = split("x-y-z", a, "-"); print n, a[1], a[3] }'
awk 'BEGIN { s = "aaa"; gsub(/a/, "b", s); t = "xyz"; sub(/y/, "Y", t); print s, t }'
awk 'function sq(x) { return x * x } BEGIN { print sq(12) }'
awk 'BEGIN { for (i = 1; i <= 5; i++) printf "%d ", i * i; print "" }'
awk 'BEGIN { x = 1; while (x < 1000) x *= 2; print x }'
awk -v v=42 'BEGIN { print "v is", v }'
awk 'NR == 2, NR == 3' people
awk 'END { print NR }' people people
awk '{ print FILENAME ":" FNR }' people | tail -n 1
awk 'BEGIN { print 1e3, 10 / 4, int(10 / 4), 7 % 3, 2 * 3.5 }'
awk 'BEGIN { if ("abc" ~ /b/) print "match"; if ("abc" !~ /z/) print "no match" }'
echo "3 4" | awk '{ $3 = $1 * $2; print; print NF }'
awk 'BEGIN { while ((getline line < "people") > 0) n++; print "lines", n }'
awk 'BEGIN { print "to a file" > "out"; close("out"); getline l < "out"; print "read back:", l }'
seq 1 5 | awk '{ print | "sort -rn" } END { close("sort -rn") }'
awk 'BEGIN { OFS = "-" } { $1 = $1; print }' people | head -n 1
awk 'BEGIN { printf "%s\n", substr("abcdef", 3) }'
cd / && rm -rf "$D"
