# 01-echo: echo and its options, quoting of its arguments
umask 022
D=/tmp/bbsuite-echo
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
echo hello world
echo "two  spaces" 'single $HOME' "double $HOME"
echo -n "no newline"; echo " <- joined"
echo -e 'tab:\there' 'nl:\nnext'
echo -E 'raw:\tkept'
echo 'a\tb'
echo -- -n is printed
echo -n
echo
echo "-x" -nx -e
echo "last line"
cd / && rm -rf "$D"
