#!/bin/sh
# Runs every test group of both builds; the output is compared byte for byte
# with test/guest/expected.txt. `run.sh DIR [RUNNER]` runs the binaries in DIR
# (default /t), each prefixed by RUNNER (the host cross-check: qemu-i386-static).
dir=${1:-/t}
runner=${2:-}
for opt in O0 O2; do
  for group in start float malloc setjmp signals process memory threads vdso ldt x87; do
    echo "== $group -$opt"
    GSUITE=1 $runner "$dir/gsuite-$opt" "$group" "two words" z
    echo "== exit $?"
  done
done
