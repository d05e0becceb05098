import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { SerialScreen } from '../src/serial-screen.js';
import { readMemtestStatus } from '../guests/memtest-screen.js';

const ESC = '\x1b';

describe('SerialScreen (ANSI screen model for serial consoles)', () => {
  it('writes text, wraps at the right margin and scrolls at the bottom', () => {
    const s = new SerialScreen(10, 3);
    s.write('hello\r\nworld');
    expect(s.text()).to.equal('hello\nworld\n');
    s.write('\r\n0123456789AB');
    expect(s.text()).to.equal('world\n0123456789\nAB');
  });
  it('positions the cursor (CSI H, 1-based, clamped) and moves it (A B C D G d)', () => {
    const s = new SerialScreen(20, 5);
    s.write(`${ESC}[2;5Hx${ESC}[Hy${ESC}[99;99Hz`);
    expect(s.line(2)).to.equal('    x'.padEnd(20));
    expect(s.line(1)[0]).to.equal('y');
    expect(s.line(5)[19]).to.equal('z');
    s.write(`${ESC}[3;3H${ESC}[2Aa${ESC}[Bb${ESC}[3Cc${ESC}[2Dd${ESC}[10Ge${ESC}[4df`);
    expect(s.line(1).slice(0, 4)).to.equal('y a ');
    expect(s.line(2).slice(0, 12)).to.equal('   bx dc e  ');
    expect(s.cursor).to.deep.equal({ row: 4, col: 12 });
  });
  it('erases the display (2J, 0J) and lines (K, 1K, 2K), and ignores attributes and private modes', () => {
    const s = new SerialScreen(6, 3);
    s.write(`aaaaaabbbbbbcccccc${ESC}[2;3H${ESC}[K`);
    expect(s.text()).to.equal('aaaaaa\nbb\ncccccc');
    s.write(`${ESC}[1;4H${ESC}[1K${ESC}[7m${ESC}[?25l`);
    expect(s.line(1)).to.equal('    aa');
    s.write(`${ESC}[3;2H${ESC}[0J`);
    expect(s.text()).to.equal('    aa\nbb\nc');
    s.write(`${ESC}[2J`);
    expect(s.text()).to.equal('\n\n');
  });
});

describe('memtest86+ status screen', () => {
  it('reads pass, test and errors from memtest86+ 6.10 serial output', () => {
    // The first bytes memtest86+ 6.10 writes to COM1 (jitvisor run --memory 32 --clock deterministic).
    const s = new SerialScreen();
    s.write(readFileSync(new URL('../../test/fixtures/memtest-serial-start.bin', import.meta.url)));
    expect(s.line(1)).to.contain('Memtest86+ v6.10');
    expect(s.line(6)).to.match(/^Memory  :\s+32MB/);
    expect(readMemtestStatus((n) => s.line(n))).to.deep.equal({
      passes: 0, errors: 0, passPercent: 0, test: { number: 0, name: 'Address test, walking ones, no cache' },
    });
    // A later frame: the same fields, redrawn in place.
    s.write(`${ESC}[9;1HUsing: Core #0                            | Pass:  1        Errors: 3  ${ESC}[4;35H #7  [Block move]   `);
    expect(readMemtestStatus((n) => s.line(n))).to.include({ passes: 1, errors: 3 });
    expect(readMemtestStatus((n) => s.line(n))?.test).to.deep.equal({ number: 7, name: 'Block move' });
  });
  it('has no status before memtest draws it', () => {
    expect(readMemtestStatus((n) => new SerialScreen().line(n))).to.equal(undefined);
  });
});
