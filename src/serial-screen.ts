/**
 * A text screen fed by a serial console's byte stream: the subset of ANSI /
 * VT100 that full-screen guests such as memtest86+ draw with (cursor
 * position, cursor moves, erase display/line, attributes, CR/LF/BS/TAB).
 * Programs read what a terminal would show (`row(n)`, `text()`), e.g. to
 * wait for a field of a status screen. Attributes are accepted and dropped.
 */
export class SerialScreen {
  private cells: string[][];
  private row = 0;
  private col = 0;
  /** Escape-sequence parser state: '' outside a sequence, 'esc' after ESC, 'csi' inside ESC [ ... */
  private state: '' | 'esc' | 'csi' = '';
  private params = '';

  constructor(readonly width = 80, readonly height = 25) {
    this.cells = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  }

  /** Feed bytes as the guest wrote them (Latin-1; other bytes show as themselves). */
  write(bytes: Uint8Array | readonly number[] | string): void {
    if (typeof bytes === 'string') { for (let i = 0; i < bytes.length; i++) this.put(bytes.charCodeAt(i)); return; }
    for (const b of bytes) this.put(b);
  }

  /** Row `n` (1-based, as ANSI numbers them), trailing blanks kept. */
  line(n: number): string { return this.cells[n - 1]?.join('') ?? ''; }

  /** The whole screen, one line per row, trailing blanks trimmed. */
  text(): string { return this.cells.map((r) => r.join('').trimEnd()).join('\n'); }

  /** Cursor position, 1-based. */
  get cursor(): { row: number; col: number } { return { row: this.row + 1, col: this.col + 1 }; }

  private put(b: number): void {
    if (this.state === 'esc') {
      if (b === 0x5b /* [ */) { this.state = 'csi'; this.params = ''; return; }
      this.state = ''; // two-byte sequences (ESC 7, ESC c, ...) are not drawn
      if (b === 0x63 /* c: reset */) this.clear();
      return;
    }
    if (this.state === 'csi') {
      if (b >= 0x40 && b <= 0x7e) { this.state = ''; this.csi(String.fromCharCode(b), this.params); return; }
      this.params += String.fromCharCode(b);
      if (this.params.length > 32) this.state = ''; // not a sequence we know: drop it
      return;
    }
    switch (b) {
      case 0x1b: this.state = 'esc'; return;
      case 0x0d: this.col = 0; return;
      case 0x0a: this.lineFeed(); return;
      case 0x08: if (this.col > 0) this.col--; return;
      case 0x09: this.col = Math.min(this.width - 1, (this.col + 8) & ~7); return;
      case 0x07: case 0x00: return;
    }
    if (b < 0x20) return;
    if (this.col >= this.width) { this.col = 0; this.lineFeed(); }
    this.cells[this.row][this.col++] = String.fromCharCode(b);
  }

  private lineFeed(): void {
    if (this.row < this.height - 1) { this.row++; return; }
    this.cells.shift();
    this.cells.push(new Array<string>(this.width).fill(' '));
  }

  private clear(): void {
    for (const r of this.cells) r.fill(' ');
    this.row = this.col = 0;
  }

  private csi(final: string, params: string): void {
    if (params.startsWith('?')) return; // private modes (cursor visibility, ...) do not change the text
    const nums = params.split(';').map((p) => (p === '' ? NaN : Number(p)));
    const n = (i: number, dflt: number) => (Number.isFinite(nums[i]) ? nums[i] : dflt);
    const clampRow = (r: number) => Math.max(0, Math.min(this.height - 1, r));
    const clampCol = (c: number) => Math.max(0, Math.min(this.width - 1, c));
    switch (final) {
      case 'H': case 'f': this.row = clampRow(n(0, 1) - 1); this.col = clampCol(n(1, 1) - 1); return;
      case 'A': this.row = clampRow(this.row - Math.max(1, n(0, 1))); return;
      case 'B': this.row = clampRow(this.row + Math.max(1, n(0, 1))); return;
      case 'C': this.col = clampCol(this.col + Math.max(1, n(0, 1))); return;
      case 'D': this.col = clampCol(this.col - Math.max(1, n(0, 1))); return;
      case 'G': this.col = clampCol(n(0, 1) - 1); return;
      case 'd': this.row = clampRow(n(0, 1) - 1); return;
      case 'J': {
        const mode = n(0, 0);
        const r0 = mode === 0 ? this.row : 0, r1 = mode === 1 ? this.row : this.height - 1;
        for (let r = r0; r <= r1; r++) {
          const c0 = r === this.row && mode === 0 ? this.col : 0;
          const c1 = r === this.row && mode === 1 ? this.col : this.width - 1;
          for (let c = c0; c <= c1; c++) this.cells[r][c] = ' ';
        }
        return;
      }
      case 'K': {
        const mode = n(0, 0);
        const c0 = mode === 0 ? this.col : 0, c1 = mode === 1 ? this.col : this.width - 1;
        for (let c = c0; c <= Math.min(c1, this.width - 1); c++) this.cells[this.row][c] = ' ';
        return;
      }
      default: return; // m (attributes) and anything else: no effect on the text
    }
  }
}
