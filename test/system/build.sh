#!/bin/sh
# Assemble the system-CPU guest programs. The .bin files are committed: CI
# (no nasm) replays them. Run this after editing any .asm or common.inc.
set -e
cd "$(dirname "$0")"
for f in *.asm; do
  nasm -f bin -I ./ -o "${f%.asm}.bin" "$f"
done
