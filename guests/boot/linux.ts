/**
 * Direct kernel boot with the Linux x86 boot protocol (32-bit entry; the
 * kernel's Documentation/arch/x86/boot.rst): checks the setup header, puts
 * the protected-mode kernel at 1 MiB, the initrd high in RAM below
 * initrd_addr_max, builds boot_params ("zero page") with an E820 map and the
 * command line, and sets the CPU up as the protocol's 32-bit entry requires:
 * flat 4 GiB segments with __BOOT_CS = 0x10 and __BOOT_DS = 0x18, interrupts
 * off, ESI = boot_params, EIP = code32_start.
 */
import type { Cpu } from '../../runtime/cpu.js';
import { decode as decodeDescriptor } from '../../runtime/segments.js';
import { CS, CR0, DS, ES, FS, GDTR_BASE, GDTR_LIMIT, GS, IDTR_BASE, IDTR_LIMIT, SS, w } from '../../runtime/state/layout.js';

export class BootImageError extends Error {}

/** Where the loader puts things (all below 1 MiB except kernel and initrd). */
export const BOOT_GDT = 0x1000;
export const BOOT_PARAMS = 0x10000;
export const BOOT_CMDLINE = 0x20000;
export const KERNEL_ADDR = 0x100000;

export interface E820Entry { addr: number; size: number; type: 1 | 2 }

export interface LinuxBootInfo {
  protocol: string;          // "2.15"
  kernelBytes: number;       // protected-mode part
  initrdAddr?: number;
  initrdBytes?: number;
  cmdline: string;
  e820: E820Entry[];
  entry: number;
}

const u8 = (b: Uint8Array, o: number) => b[o];
const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

/** The PC memory map the loader reports: conventional RAM, the EBDA/ROM hole, and RAM above 1 MiB. */
export function e820For(ramBytes: number): E820Entry[] {
  return [
    { addr: 0, size: 0x9fc00, type: 1 },
    { addr: 0x9fc00, size: 0x400, type: 2 },
    { addr: 0xf0000, size: 0x10000, type: 2 },
    { addr: 0x100000, size: ramBytes - 0x100000, type: 1 },
  ];
}

/**
 * Load `kernel` (a bzImage) and optional `initrd` into the machine and set
 * the CPU to the kernel's 32-bit entry point. `name` is used in errors.
 */
export function loadLinux(cpu: Cpu, kernel: Uint8Array, name: string, cmdline: string, initrd?: Uint8Array, initrdName = 'initrd'): LinuxBootInfo {
  const fail = (msg: string): never => { throw new BootImageError(`${name}: ${msg}`); };
  if (kernel.length < 0x1000) fail(`too small (${kernel.length} bytes) to be a Linux kernel image`);
  if (u16(kernel, 0x1fe) !== 0xaa55) fail('no boot-sector signature 0xAA55 at offset 0x1FE: not a Linux bzImage');
  if (u32(kernel, 0x202) !== 0x53726448) fail('no "HdrS" setup-header magic at offset 0x202: not a Linux bzImage (or a pre-2.0 boot protocol kernel)');
  const version = u16(kernel, 0x206);
  const protocol = `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
  if (version < 0x0206) fail(`boot protocol ${protocol} is too old (2.06 or newer needed for 32-bit entry with cmdline_size)`);
  const loadflags = u8(kernel, 0x211);
  if ((loadflags & 1) === 0) fail('not a bzImage (LOADED_HIGH is clear): zImage kernels are not supported');
  // Sizes, as boot.rst defines them. setup_sects counts 512-byte sectors after
  // the boot sector (0 means 4), so the header (at most 0x202 + 255) always fits.
  let setupSects = u8(kernel, 0x1f1);
  if (setupSects === 0) setupSects = 4;
  const pmOffset = (setupSects + 1) * 512;
  if (pmOffset >= kernel.length) fail(`truncated: setup_sects = ${setupSects} says the real-mode setup is ${pmOffset} bytes, the file has ${kernel.length}`);
  const hdrEnd = 0x202 + u8(kernel, 0x201);
  // syssize (32 bits from 2.04) counts 16-byte paragraphs, rounded up: the
  // last paragraph may be short, so the file may end up to 15 bytes before
  // syssize * 16 (QEMU's -kernel and GRUB load such files too).
  const paragraphs = u32(kernel, 0x1f4);
  const pmBytes = kernel.length - pmOffset;
  if (Math.ceil(pmBytes / 16) < paragraphs) fail(`truncated: the header says ${paragraphs} paragraphs (${paragraphs * 16} bytes, the last may be short) of protected-mode kernel, the file has ${pmBytes} bytes`);
  // payload_offset/payload_length (2.08+) locate the compressed kernel inside the protected-mode part.
  if (version >= 0x0208) {
    const payloadOffset = u32(kernel, 0x248), payloadLength = u32(kernel, 0x24c);
    if (payloadLength !== 0 && payloadOffset + payloadLength > pmBytes) {
      fail(`truncated: the payload (offset ${payloadOffset}, ${payloadLength} bytes) ends past the ${pmBytes} bytes of protected-mode kernel in the file`);
    }
  }
  // kernel_info_offset (2.15+) points at "LToP" + header size inside the protected-mode part.
  if (version >= 0x020f) {
    const kinfo = u32(kernel, 0x268);
    if (kinfo !== 0 && kinfo + 8 > pmBytes) fail(`truncated: kernel_info_offset ${kinfo} is past the ${pmBytes} bytes of protected-mode kernel in the file`);
  }
  const initrdMax = u32(kernel, 0x22c);
  const cmdlineMax = u32(kernel, 0x238);
  const initSize = version >= 0x020a ? u32(kernel, 0x260) : pmBytes * 4;
  // Where the kernel will run (boot.rst, init_size): a relocatable kernel
  // moves itself up to pref_address aligned to kernel_alignment and needs
  // init_size bytes from there (Debian's: 16 MiB + 16 MiB), a fixed one runs at pref_address.
  const prefAddress = version >= 0x020a && u32(kernel, 0x25c) === 0 && u32(kernel, 0x258) !== 0 ? u32(kernel, 0x258) : KERNEL_ADDR;
  const relocatable = u8(kernel, 0x234) !== 0;
  const alignment = Math.max(1, u32(kernel, 0x230));
  const runtimeStart = relocatable ? Math.ceil(Math.max(KERNEL_ADDR, prefAddress) / alignment) * alignment : prefAddress;
  const runtimeEnd = Math.max(runtimeStart + initSize, KERNEL_ADDR + pmBytes);
  const code32Start = u32(kernel, 0x214) || KERNEL_ADDR;

  const phys = cpu.phys;
  const ram = phys.ramSize;
  if (runtimeEnd > ram) fail(`needs ${Math.ceil(runtimeEnd / 0x100000)} MiB of RAM or more to start (init_size ${initSize} bytes from 0x${runtimeStart.toString(16)}); the machine has ${ram >> 20} MiB`);
  const cmdBytes = new TextEncoder().encode(cmdline);
  if (cmdBytes.length > cmdlineMax) fail(`command line of ${cmdBytes.length} bytes exceeds the kernel's limit of ${cmdlineMax}`);

  // Clear low memory we use, then place everything.
  phys.u8.fill(0, phys.buffer.byteLength - ram, phys.buffer.byteLength - ram + 0x100000);
  phys.load(KERNEL_ADDR, kernel.subarray(pmOffset));

  const bp = new Uint8Array(4096);
  // Copy the setup header (0x1F1 .. 0x202 + header length byte at 0x201) into boot_params.
  bp.set(kernel.subarray(0x1f1, Math.min(hdrEnd, 0x290)), 0x1f1);
  const dv = new DataView(bp.buffer);
  // screen_info: an 80x25 colour text mode, as a BIOS would leave it (vgacon expects one).
  dv.setUint8(0x06, 3); dv.setUint8(0x07, 80); dv.setUint8(0x0e, 25); dv.setUint8(0x0f, 1); dv.setUint16(0x10, 16, true);
  dv.setUint8(0x210, 0xff);                       // type_of_loader: undefined loader
  dv.setUint8(0x211, loadflags & ~0x20);          // keep LOADED_HIGH; KEEP_SEGMENTS clear
  dv.setUint32(0x228, BOOT_CMDLINE, true);        // cmd_line_ptr
  let initrdAddr: number | undefined;
  if (initrd) {
    if (initrd.length === 0) throw new BootImageError(`${initrdName}: empty file`);
    const top = Math.min(ram, initrdMax + 1, 0x38000000);
    initrdAddr = (top - initrd.length) & ~0xfff;
    if (initrdAddr < runtimeEnd) {
      const need = Math.ceil((runtimeEnd + initrd.length + 0xfff) / 0x100000);
      throw new BootImageError(`${initrdName}: ${initrd.length} bytes do not fit between the kernel (up to 0x${runtimeEnd.toString(16)}) and the top of ${ram >> 20} MiB of RAM; ${need} MiB would do`);
    }
    phys.load(initrdAddr, initrd);
    dv.setUint32(0x218, initrdAddr, true);
    dv.setUint32(0x21c, initrd.length, true);
  }
  const e820 = e820For(ram);
  dv.setUint8(0x1e8, e820.length);
  e820.forEach((e, i) => {
    const o = 0x2d0 + i * 20;
    dv.setUint32(o, e.addr, true);
    dv.setUint32(o + 8, e.size, true);
    dv.setUint32(o + 16, e.type, true);
  });
  dv.setUint16(0x2, Math.min(0xffff, (ram - 0x100000) >> 10), true); // ext_mem_k (legacy)
  dv.setUint32(0x1e0, (ram - 0x100000) >> 10, true);                 // alt_mem_k
  phys.load(BOOT_PARAMS, bp);
  const cmd = new Uint8Array(cmdBytes.length + 1);
  cmd.set(cmdBytes);
  phys.load(BOOT_CMDLINE, cmd);

  // GDT: null, null, __BOOT_CS (0x10), __BOOT_DS (0x18).
  const gdt: [number, number][] = [[0, 0], [0, 0], [0x0000ffff, 0x00cf9b00], [0x0000ffff, 0x00cf9300]];
  gdt.forEach(([lo, hi], i) => { phys.write32(BOOT_GDT + i * 8, lo); phys.write32(BOOT_GDT + i * 8 + 4, hi); });
  const s = cpu.s;
  s[w(GDTR_BASE)] = BOOT_GDT;
  s[w(GDTR_LIMIT)] = gdt.length * 8 - 1;
  s[w(IDTR_BASE)] = 0;
  s[w(IDTR_LIMIT)] = 0;
  s[w(CR0)] = 0x60000011;
  cpu.mmu.flush(true);
  const code = decodeDescriptor(gdt[2][0], gdt[2][1]), data = decodeDescriptor(gdt[3][0], gdt[3][1]);
  cpu.setSegCache(CS, 0x10, code.base, code.limit, code.flags);
  for (const seg of [DS, ES, SS, FS, GS]) cpu.setSegCache(seg, 0x18, data.base, data.limit, data.flags);
  cpu.setCpl(0);
  cpu.setEflags(0x2, 0x3f7fd7);
  cpu.r32.fill(0);
  cpu.r32[6] = BOOT_PARAMS; // ESI
  cpu.eip = code32Start;
  return {
    protocol, kernelBytes: pmBytes, cmdline, e820, entry: code32Start,
    ...(initrdAddr !== undefined ? { initrdAddr, initrdBytes: initrd!.length } : {}),
  };
}
