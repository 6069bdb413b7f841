# 55-cd-pwd: cd, pwd (-P and logical), cd -, OLDPWD, cd through links, errors
umask 022
D=/tmp/bbsuite-cdpwd
rm -rf "$D"; mkdir -p "$D" && cd "$D" || exit 99
mkdir -p a/b/c real
ln -s real link
pwd
cd a/b/c; pwd
cd ..; pwd
cd ../..; pwd
cd a; cd -; pwd
echo "OLDPWD=$OLDPWD"
cd link; pwd; pwd -P
cd ..; pwd
cd -P link; pwd
cd "$D"
cd nosuch 2>/dev/null || echo "cd nosuch failed"
touch file
cd file 2>/dev/null || echo "cd into a file failed"
pwd
cd /; pwd
cd "$D/a/b"; pwd
cd ../../../bbsuite-cdpwd; pwd
cd ./a/./b/../b; pwd
HOME="$D/a"; cd; pwd
cd "$D"
(cd a && echo "in subshell $(pwd)")
pwd
cd / && rm -rf "$D"
