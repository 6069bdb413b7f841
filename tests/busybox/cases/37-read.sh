# 37-read: read in loops from files, here-documents and pipes; IFS; -r
umask 022
D=/tmp/bbsuite-read
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
printf 'root:x:0:0\nuser:y:1000:100\n' > db
while IFS=: read name pw uid gid; do echo "$name has uid $uid gid $gid"; done < db
while read line; do echo "[$line]"; done <<EOT
  leading spaces
trailing spaces   
back\\slash
EOT
while read -r line; do echo "raw [$line]"; done <<'EOT'
back\slash \t
EOT
read a b <<EOT
one two three four
EOT
echo "a=$a b=$b"
echo "x y z" | { read p q r; echo "$r $q $p"; }
printf 'no newline' | { read v; echo "rc=$? v=$v"; }
printf '' | { read v; echo "empty rc=$?"; }
n=0
while read x; do n=$((n + x)); done < /dev/null
echo "nothing read: $n"
seq 1 100 > nums
sum=0
while read x; do sum=$((sum + x)); done < nums
echo "sum $sum"
exec 3< nums
read first <&3
read second <&3
exec 3<&-
echo "first=$first second=$second"
{ read l1; read l2; } < db
echo "l1=$l1"
echo "l2=$l2"
IFS=, read -r c1 c2 <<EOT
comma,separated,values
EOT
echo "c1=$c1 c2=$c2"
cd / && rm -rf "$D"
