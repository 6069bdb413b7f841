# 53-sigpipe: writers into a closed pipe end by SIGPIPE (status 141); reader exits first
umask 022
D=/tmp/bbsuite-sigpipe
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
(yes; echo $? > rc1) | head -n 3
cat rc1
(seq 1 1000000; echo $? > rc2) | head -n 1
cat rc2
(cat /dev/zero; echo $? > rc3) | head -c 10 | wc -c
cat rc3
(dd if=/dev/zero bs=4096 2>/dev/null; echo $? > rc4) | dd bs=4096 count=4 2>/dev/null | wc -c
cat rc4
yes | head -n 1
seq 1 100000 | grep -m 1 5
(trap '' PIPE; yes 2>/dev/null; echo "writer saw an error, rc $?" > rc5) | head -n 1
cat rc5
cd / && rm -rf "$D"
