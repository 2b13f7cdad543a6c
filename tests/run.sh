#!/bin/sh
# Runs each test program given as an argument; prints one closing line
# "N passed, N failed" counting programs, and exits non-zero if any failed.
# Each program gets ten minutes: a hang (espeak-ng can hang in its own
# threads) must fail the run, not eat the CI budget.
pass=0 fail=0 skip=0 failed=""
for t in "$@"; do
    echo "== $t"
    # Exit 77 is a test that cannot run here (no browser): said, not failed.
    timeout 600 "$t"; rc=$?
    if [ $rc -eq 0 ]; then pass=$((pass + 1))
    elif [ $rc -eq 77 ]; then skip=$((skip + 1))
    else fail=$((fail + 1)); failed="$failed $t"; fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
