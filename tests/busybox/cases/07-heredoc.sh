# 07-heredoc: here-documents: expansion, quoted delimiter, <<- with tabs, large ones
umask 022
D=/tmp/bbsuite-heredoc
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
name=world
cat <<EOT
hello $name
sum $((2 + 3))
cmd $(echo substituted)
escaped \$name
EOT
cat <<'EOT'
literal $name $(echo not run) \t
EOT
cat <<-EOT
	tab stripped $name
		two tabs stripped
	EOT
while read a b; do echo "$b-$a"; done <<EOT
1 one
2 two
3 three
EOT
big=$(seq 1 5000)
cat <<EOT | wc -l
$big
EOT
cat <<EOT | md5sum
$big
EOT
cat <<EOT > file
in a file
second line
EOT
cat file
tr a-z A-Z <<EOT
upper case
EOT
f() {
	cat <<EOT
inside function: $1
EOT
}
f arg
cat <<EOT1; cat <<EOT2
first
EOT1
second
EOT2
x=$(cat <<EOT
in command substitution
EOT
)
echo "$x"
cd / && rm -rf "$D"
