#!/bin/sh
# Assemble the guest test programs (nasm -f bin) and record what the real CPU
# does with the ones marked "; native" (32-bit user-mode code): native-run
# executes the same .bin at the same addresses on the host and writes
# expected/<name>.txt. Both the .bin and the expected files are committed:
# the tests (and CI) only replay them. Needs nasm, gcc with -m32, and
# vm.mmap_min_addr <= 4096 for the native runs.
set -eu
cd "$(dirname "$0")"
for src in *.asm; do
  nasm -f bin -o "${src%.asm}.bin" "$src"
done
runner=$(mktemp -d)/native-run
gcc -m32 -no-pie -O1 -Wall -o "$runner" native-run.c
mkdir -p expected
for src in *.asm; do
  grep -q '^; native' "$src" || continue
  windows=$(sed -n 's/^; expect-mem: *//p' "$src" | tr '\n' ' ')
  # shellcheck disable=SC2086
  "$runner" "${src%.asm}.bin" $windows > "expected/${src%.asm}.txt"
done
rm -rf "$(dirname "$runner")"
