#!/bin/sh
# Rebuilds the in-guest test suite (see README.md):
#   bin/gsuite-O0, bin/gsuite-O2   src/*.c with Debian 12's gcc -m32 -static, stripped
#   bin/gsuite-sse                 the same with -O2 -msse2 -mfpmath=sse -msse3 (SSE2 scalar math, FISTTP; run with --cpu pentium4)
#   initramfs.cpio.xz              the default guest's busybox initramfs + /t/{gsuite-O0,gsuite-O2,gsuite-sse,run.sh} + this /init
# Needs gcc-multilib, cpio, xz-utils. The output is reproducible (fixed mtimes, --reproducible, no timestamps in xz).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$here/bin"
for build in O0 O2 sse; do
  case $build in sse) opt="-O2 -msse2 -mfpmath=sse -msse3" ;; *) opt=-$build ;; esac
  gcc -m32 -static $opt -g0 -Wall -Wno-format -Wno-infinite-recursion -Wno-array-bounds -Wno-alloc-size-larger-than -Wno-format-truncation \
    -o "$here/bin/gsuite-$build" "$here"/src/*.c -lm -lpthread
  strip --strip-all -R .comment "$here/bin/gsuite-$build"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && gzip -dc "$repo/guests/initramfs.cpio.gz" | cpio -id --quiet)
rm -f "$tmp/bench.sh"
cp "$here/init" "$tmp/init"
mkdir -p "$tmp/t"
cp "$here/bin/gsuite-O0" "$here/bin/gsuite-O2" "$here/bin/gsuite-sse" "$here/run.sh" "$tmp/t/"
chmod 755 "$tmp/init" "$tmp/t/"*
find "$tmp" -exec touch -h -d @0 {} +
(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet --owner=0:0) | xz -9e --check=crc32 > "$here/initramfs.cpio.xz"
ls -l "$here/bin" "$here/initramfs.cpio.xz"
