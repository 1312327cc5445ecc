# SPDX-License-Identifier: GPL-2.0
#
# Inputs for the real programs run by tests/run-test.sh and
# bench/alloc-bench.sh (sourced as /root/inputs.sh in the VM): /tmp/big.txt
# (200,000 lines for xz, sort and gawk), /tmp/xz.txt (its first 40,000
# lines: xz -9 takes 25 s under TCG on all of it), /tmp/db.sql (a
# 100,000-row sqlite3 database built and queried) and $wordcount (a gawk
# program).
gawk 'BEGIN { srand(1); for (i = 0; i < 200000; i++)
	printf "%d w%d %d\n", int(rand() * 100000), int(rand() * 5000), i }' >/tmp/big.txt
head -n 40000 /tmp/big.txt >/tmp/xz.txt
cat >/tmp/db.sql <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO t(k, v) SELECT (i * 7919) % 1000, printf('value-%d-%s', i, hex(i * i)) FROM n;
CREATE INDEX t_k ON t(k);
SELECT k, count(*), sum(length(v)), min(v), max(v) FROM t GROUP BY k ORDER BY k LIMIT 20;
SELECT count(DISTINCT v), sum(id % 97) FROM t WHERE k BETWEEN 100 AND 700;
SQL
wordcount='{ n[$2]++ } END { PROCINFO["sorted_in"] = "@ind_str_asc"; for (w in n) print w, n[w] }'
