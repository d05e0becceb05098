#!/bin/sh
# Records expected.txt: the suite's output on Debian's kernel (the default
# guest's linux-686.bzImage, the same initramfs.cpio.xz) booted in QEMU's
# full-system emulator as a Pentium II. Then cross-checks with qemu-user:
# runs the same binaries on the host under qemu-i386-static and writes the
# lines that differ to qemu-user.diff (README.md explains each).
# Needs qemu-system-x86 and qemu-user-static (Debian 12).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout 900 qemu-system-i386 -cpu pentium2 -m 128 -nographic -no-reboot \
  -kernel "$repo/guests/linux-686.bzImage" -initrd "$here/initramfs.cpio.xz" -append "console=ttyS0 quiet cryptomgr.notests" \
  </dev/null >"$tmp/console.txt" 2>&1 || true
tr -d '\r' <"$tmp/console.txt" | sed -n '/GUEST-SUITE-BEGIN/,/GUEST-SUITE-END/p' | sed '1d;$d' >"$here/expected.txt"
grep -q '^== exit' "$here/expected.txt" || { echo "record.sh: no suite output from qemu-system-i386" >&2; exit 1; }
echo "expected.txt: $(wc -l <"$here/expected.txt") lines ($(qemu-system-i386 --version | head -1))"

# qemu-user cross-check: the host cannot exec an i386 binary by itself, so the
# exec tests see "Exec format error" (exit 127) unless binfmt_misc has qemu.
(cd "$tmp" && GSUITE=1 sh "$here/run.sh" "$here/bin" qemu-i386-static >"$tmp/user.txt" 2>&1) || true
diff -U0 --label expected.txt --label qemu-user.txt "$here/expected.txt" "$tmp/user.txt" >"$here/qemu-user.diff" || true
echo "qemu-user.diff: $(grep -c '^[-+][^-+]' "$here/qemu-user.diff" || true) differing lines ($(qemu-i386-static --version | head -1))"
