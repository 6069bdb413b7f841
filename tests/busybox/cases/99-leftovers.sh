# 99-leftovers: every case removed its scratch directory under /tmp
ls -d /tmp/bbsuite-* 2>/dev/null | wc -l
