#!/bin/sh
# Runs each test program given as an argument; prints one closing line
# "N passed, N failed" counting programs, and exits non-zero if any failed.
# Each program gets ten minutes: a hang (espeak-ng can hang in its own
# threads) must fail the run, not eat the CI budget.
pass=0 fail=0 failed=""
for t in "$@"; do
    echo "== $t"
    if timeout 600 "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $t"; fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
