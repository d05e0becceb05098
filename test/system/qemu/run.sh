#!/bin/sh
# Cross-check a system-CPU guest program on QEMU (qemu-system-i386, TCG,
# -cpu pentium2): prints the program's log as "TAG=0xvalue" lines, the same
# form test/system.test.ts compares. Not used by CI (no QEMU there); the
# expected logs in the tests come from the SDM and, where this script was run,
# agree with QEMU (test/system/README.md says which).
#
#   test/system/qemu/run.sh segtypes [ebp]
set -e
here="$(cd "$(dirname "$0")" && pwd)"
name="$1"; ebp="${2:-0}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
nasm -f bin -o "$tmp/boot.bin" "$here/boot.asm"
nasm -f bin -DQEMU_LOG -I "$here/../" -o "$tmp/prog.bin" "$here/../$name.asm"
printf "$(printf '\\%03o' "$ebp")" | dd of="$tmp/boot.bin" bs=1 seek=509 conv=notrunc status=none
cat "$tmp/boot.bin" "$tmp/prog.bin" > "$tmp/disk.img"
truncate -s 64K "$tmp/disk.img"
timeout 10 qemu-system-i386 -cpu pentium2 -m 4 -display none -no-reboot -monitor none -serial none \
  -drive file="$tmp/disk.img",format=raw,if=ide \
  -debugcon file:"$tmp/log" -global isa-debugcon.iobase=0xe0 &
pid=$!
sleep "${QEMU_SECONDS:-3}"
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
python3 - "$tmp/log" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
for i in range(0, len(d) - 7, 8):
    tag, value = d[i:i + 4].decode('latin-1').rstrip(), struct.unpack('<I', d[i + 4:i + 8])[0]
    print(f'{tag}={value:#x}')
PY
