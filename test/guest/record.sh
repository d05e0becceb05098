#!/bin/sh
# Records expected.txt: the suite's output on Debian's kernel (the default
# guest's linux-686.bzImage, the same initramfs.cpio.xz) booted in QEMU's
# full-system emulator as a Pentium II, and expected-sse.txt: the SSE build's
# groups (gsuite=sse) booted as a Pentium 4 like jitvisor's --cpu pentium4. Then cross-checks with qemu-user:
# runs the same binaries on the host under qemu-i386-static and writes the
# lines that differ to qemu-user.diff (README.md explains each).
# Needs qemu-system-x86, qemu-user-static and gcc (Debian 12).
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

# expected-sse.txt: the SSE build (gsuite=sse) on a CPU whose CPUID matches
# jitvisor's --cpu pentium4 (same family/model/stepping, brand string and
# feature flags, so /proc/cpuinfo's flags line and glibc's ifunc choices are
# the same). QEMU 7.2 neither raises #XM for unmasked SIMD exceptions nor
# sets MXCSR.DE, so the lines that depend on those come from the real CPU
# instead: native-check.c, built for x86-64 and run on this host, prints them
# (README.md); the replaced qemu lines are kept in qemu-system-sse.diff.
p4='pentium2,-de,-pae,-mce,-apic,-mtrr,-mca,-pat,-pse36,-hypervisor,+mmx,+fxsr,+sse,+sse2,+pni,+clflush,family=15,model=3,stepping=4,model-id=Intel(R) Pentium(R) 4 CPU 3.00GHz'
timeout 900 qemu-system-i386 -cpu "$p4" -m 128 -nographic -no-reboot \
  -kernel "$repo/guests/linux-686.bzImage" -initrd "$here/initramfs.cpio.xz" -append "console=ttyS0 quiet cryptomgr.notests gsuite=sse" \
  </dev/null >"$tmp/console-sse.txt" 2>&1 || true
tr -d '\r' <"$tmp/console-sse.txt" | sed -n '/GUEST-SUITE-BEGIN/,/GUEST-SUITE-END/p' | sed '1d;$d' >"$tmp/qemu-sse.txt"
grep -q '^== exit' "$tmp/qemu-sse.txt" || { echo "record.sh: no SSE suite output from qemu-system-i386" >&2; exit 1; }
gcc -O2 -Wall -o "$tmp/native-check" "$here/native-check.c" -lm
"$tmp/native-check" >"$tmp/native.txt"
awk -F'|' 'NR == FNR { k = $2; sub(/:.*/, "", k); fix[$1 "|" k] = substr($0, length($1) + 2); next }
  /^== [a-z0-9]+ -sse$/ { split($0, w, " "); group = w[2]; print; next }
  { k = $0; sub(/:.*/, "", k); if ((group "|" k) in fix) { print fix[group "|" k]; used[group "|" k] = 1 } else print }
  END { for (f in fix) if (!(f in used)) { print "record.sh: native line not found: " f > "/dev/stderr"; exit 1 } }' \
  "$tmp/native.txt" "$tmp/qemu-sse.txt" >"$here/expected-sse.txt"
diff -U0 --label qemu-system-sse.txt --label expected-sse.txt "$tmp/qemu-sse.txt" "$here/expected-sse.txt" >"$here/qemu-system-sse.diff" || true
echo "expected-sse.txt: $(wc -l <"$here/expected-sse.txt") lines, $(grep -c '^+[^+]' "$here/qemu-system-sse.diff" || true) from the host CPU instead of qemu"

# qemu-user cross-check: the host cannot exec an i386 binary by itself, so the
# exec tests see "Exec format error" (exit 127) unless binfmt_misc has qemu.
(cd "$tmp" && GSUITE=1 sh "$here/run.sh" "$here/bin" qemu-i386-static >"$tmp/user.txt" 2>&1) || true
diff -U0 --label expected.txt --label qemu-user.txt "$here/expected.txt" "$tmp/user.txt" >"$here/qemu-user.diff" || true
echo "qemu-user.diff: $(grep -c '^[-+][^-+]' "$here/qemu-user.diff" || true) differing lines ($(qemu-i386-static --version | head -1))"
