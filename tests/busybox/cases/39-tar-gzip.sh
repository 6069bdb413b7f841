# 39-tar-gzip: tar and gzip round trips through files and pipes
umask 022
D=/tmp/bbsuite-tar
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
mkdir -p src/sub
seq 1 1000 > src/numbers
echo hello > src/sub/hello
printf '%5000s' x > src/sub/spaces
ln -s sub/hello src/link
chmod 755 src/numbers
tar cf a.tar src
tar tf a.tar | sort
mkdir out
tar xf a.tar -C out
find out | sort
cmp src/numbers out/src/numbers && echo "numbers equal"
cmp src/sub/spaces out/src/sub/spaces && echo "spaces equal"
readlink out/src/link
cat out/src/link
ls -l out/src/numbers | awk '{ print $1, $NF }'
tar cf - src | tar tf - | sort | wc -l
tar czf a.tgz src
tar tzf a.tgz | sort | head -n 3
mkdir out2
tar xzf a.tgz -C out2
cmp src/numbers out2/src/numbers && echo "gzip tar equal"
gzip -c src/numbers > n.gz
gunzip -c n.gz | md5sum
md5sum < src/numbers
zcat n.gz | tail -n 1
seq 1 20000 | gzip | gunzip | wc -l
cp src/numbers plain
gzip plain
ls -1 plain*
gunzip plain.gz
ls -1 plain*
cmp plain src/numbers && echo "round trip equal"
echo "corrupt" > bad.gz
gunzip -c bad.gz > /dev/null 2>&1; echo "bad gzip rc=$?"
cd / && rm -rf "$D"
