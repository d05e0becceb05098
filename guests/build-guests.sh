#!/usr/bin/env bash
# build-guests.sh - rebuild the guest images in this folder (guests/) from Debian i386 packages only.
#
# Re-runnable from scratch: everything is re-downloaded (apt-get download) and rebuilt in a
# scratch dir, then copied over the outputs; at the end it prints each file's size and sha256,
# to compare with the table in README.md (beside this script).  Needs a Debian 12 (bookworm)
# system with the i386 foreign architecture added and `apt-get update` done
# (`dpkg --add-architecture i386 && apt-get update`), and apt-get, dpkg-deb, cpio, gzip,
# sha256sum.  Run as root (mknod of /dev/console in the initramfs; apt-get install of cpio if
# missing).
#
# Outputs: linux-686.bzImage, linux-686.config, initramfs.cpio.gz, memtest86+ia32.bin,
# seabios.bin and vgabios-stdvga.bin (for v86 in bench/boot.ts; jitvisor does not boot a BIOS yet).
#
# Env overrides:
#   OUT=<dir>       output dir     (default: the folder this script is in)
#   WORK=<dir>      scratch dir    (default: /tmp/jitvisor-guests-build)
#   KPKG=<pkg:i386> kernel package (default: what linux-image-686:i386 depends on)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-$HERE}"
WORK="${WORK:-/tmp/jitvisor-guests-build}"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need cpio; then
  echo "[build] installing cpio"; DEBIAN_FRONTEND=noninteractive apt-get install -y cpio >/dev/null
fi
for t in apt-get apt-cache dpkg-deb cpio gzip sha256sum; do need "$t" || { echo "missing tool: $t" >&2; exit 1; }; done

# --- resolve packages --------------------------------------------------------------
if [ -z "${KPKG:-}" ]; then
  KPKG="$(apt-cache depends linux-image-686:i386 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')"
  [ -n "$KPKG" ] || { echo "cannot resolve linux-image-686:i386 dependency (i386 architecture added? apt-get update?)" >&2; exit 1; }
  case "$KPKG" in *:i386) ;; *) KPKG="$KPKG:i386" ;; esac
fi
PKGS=("$KPKG" busybox-static:i386 memtest86+:i386 seabios)
echo "[build] packages: ${PKGS[*]}"

rm -rf "$WORK"; mkdir -p "$WORK/debs" "$WORK/x" "$WORK/initramfs"
chmod 755 "$WORK" "$WORK/debs"
( cd "$WORK/debs" && apt-get -q -o APT::Sandbox::User=root download "${PKGS[@]}" )

deb_of() { ls "$WORK"/debs/"$1"_*.deb | head -n1; }
KNAME="${KPKG%%:*}"
for p in "$KNAME" busybox-static memtest86+ seabios; do
  mkdir -p "$WORK/x/$p"; dpkg-deb -x "$(deb_of "$p")" "$WORK/x/$p"
  echo "[build] $p $(dpkg-deb -f "$(deb_of "$p")" Version)"
done

# --- kernel ------------------------------------------------------------------------
VMLINUZ="$(ls "$WORK"/x/"$KNAME"/boot/vmlinuz-* | head -n1)"
KCONFIG="$(ls "$WORK"/x/"$KNAME"/boot/config-* | head -n1)"

# --- initramfs ---------------------------------------------------------------------
R="$WORK/initramfs"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc}
install -m 0755 "$WORK/x/busybox-static/bin/busybox" "$R/bin/busybox"
if [ "$(id -u)" = 0 ]; then mknod -m 600 "$R/dev/console" c 5 1; fi
cat > "$R/init" <<'INIT'
#!/bin/busybox sh
# Guest /init (busybox-static i386).  Prints GUEST-BOOT-OK + uname -a.
# Kernel cmdline bench=1: run a fixed deterministic CPU workload, print
# "GUEST-BENCH-DONE <md5>", then poweroff -f.  Otherwise: shell on the console.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
echo GUEST-BOOT-OK
uname -a
case " $(cat /proc/cmdline) " in
*" bench=1 "*)
  echo GUEST-BENCH-START
  /bench.sh
  poweroff -f
  sleep 5; echo GUEST-POWEROFF-FAILED; while :; do sleep 3600; done
  ;;
esac
echo "GUEST-SHELL (exit restarts it)"
while :; do setsid cttyhack sh -l; done
INIT
chmod 0755 "$R/init"
cat > "$R/bench.sh" <<'BENCH'
#!/bin/busybox sh
# Fixed deterministic CPU workload (busybox applets only).  Prints GUEST-BENCH-DONE <md5>.
# 1) busybox ash integer loop (300k iterations)
i=0; s=1
while [ $i -lt 300000 ]; do s=$(( (s * 1103515245 + 12345 + i) & 0x7fffffff )); i=$((i + 1)); done
# 2) busybox awk loop (doubles on the x87; all values integer-exact)
a=$(awk 'BEGIN{s=1; for(i=0;i<1000000;i++){s=(s*31+i)%1000003}; printf "%d", s}')
# 3) md5sum of 128 MiB and sha256sum of 64 MiB of zeros through a pipe
m=$(dd if=/dev/zero bs=65536 count=2048 2>/dev/null | md5sum | cut -d' ' -f1)
h=$(dd if=/dev/zero bs=65536 count=1024 2>/dev/null | sha256sum | cut -d' ' -f1)
echo "bench parts: sh=$s awk=$a md5=$m sha256=$h"
echo "GUEST-BENCH-DONE $(echo "$s $a $m $h" | md5sum | cut -d' ' -f1)"
BENCH
chmod 0755 "$R/bench.sh"

# Expected bench result: run the same i386 busybox + /bench.sh on the build host, if it can.
mkdir -p "$WORK/hostbb"
if "$R/bin/busybox" --install -s "$WORK/hostbb" 2>/dev/null && [ -e "$WORK/hostbb/sh" ]; then
  line="$(env -i PATH="$WORK/hostbb" "$R/bin/busybox" sh "$R/bench.sh" | grep '^GUEST-BENCH-DONE' || true)"
  echo "[build] native bench: ${line:-(no result)} (expected GUEST-BENCH-DONE 14cd3bac25eceaf825f9512702ca4552)"
fi
# Reproducible archive: fixed mtimes, root owner, sorted names, gzip -n.
find "$R" -exec touch -h -d @0 {} +
( cd "$R" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible ) \
  | gzip -n -9 > "$WORK/initramfs.cpio.gz"

# --- outputs -----------------------------------------------------------------------
mkdir -p "$OUT"
put() { install -m 0644 "$1" "$OUT/.$2.tmp" && mv -f "$OUT/.$2.tmp" "$OUT/$2"; }  # atomic replace
put "$VMLINUZ"                                   linux-686.bzImage
put "$KCONFIG"                                   linux-686.config
put "$WORK/initramfs.cpio.gz"                    initramfs.cpio.gz
put "$WORK/x/memtest86+/boot/memtest86+ia32.bin" memtest86+ia32.bin
put "$WORK/x/seabios/usr/share/seabios/bios.bin" seabios.bin
put "$WORK/x/seabios/usr/share/seabios/vgabios-stdvga.bin" vgabios-stdvga.bin

echo "[build] done (compare with the table in README.md):"
for f in linux-686.bzImage linux-686.config initramfs.cpio.gz memtest86+ia32.bin seabios.bin vgabios-stdvga.bin; do
  printf '  %-20s %9s  %s\n' "$f" "$(stat -c %s "$OUT/$f")" "$(sha256sum "$OUT/$f" | cut -d' ' -f1)"
done
