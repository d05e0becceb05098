#!/bin/sh
# Runs the test groups; the output is compared byte for byte with
# test/guest/expected.txt (SET=all) or expected-sse.txt (SET=sse).
# `run.sh DIR [RUNNER] [SET]` runs the binaries in DIR (default /t), each
# prefixed by RUNNER (the host cross-check: qemu-i386-static).
#   SET=all (default): every group of gsuite-O0 and gsuite-O2 (any i686).
#   SET=sse: the SSE build's groups (gsuite-sse: -msse2 -mfpmath=sse -msse3),
#   for a CPU with SSE3 (jitvisor --cpu pentium4); /init picks it from the
#   kernel command line's `gsuite=sse`.
dir=${1:-/t}
runner=${2:-}
set=${3:-all}
if [ "$set" = sse ]; then
  builds=sse
  groups="start float x87 sse"
else
  builds="O0 O2"
  groups="start float malloc setjmp signals process memory threads vdso ldt x87"
fi
for opt in $builds; do
  for group in $groups; do
    echo "== $group -$opt"
    GSUITE=1 $runner "$dir/gsuite-$opt" "$group" "two words" z
    echo "== exit $?"
  done
done
