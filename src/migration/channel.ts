/**
 * One migration connection as a message channel: send() frames with
 * backpressure (waits while more than HIGH_WATER bytes are queued, so the
 * guest's run slices get the event loop meanwhile), next() the frames that
 * arrive in order. A closed or broken connection, or a bad frame, fails
 * every pending and later call with a MigrationError that says so.
 */
import type { Socket } from 'node:net';
import { FrameReader, MigrationError, MSG_NAMES, type Frame, type MsgType } from './protocol.js';

const HIGH_WATER = 8 << 20;

export class Channel {
  private readonly reader = new FrameReader();
  private frames: Frame[] = [];
  private waiter: { resolve: (f: Frame) => void; reject: (e: Error) => void } | null = null;
  private failure: MigrationError | null = null;
  private drainWaiters: (() => void)[] = [];
  /** Bytes handed to the socket. */
  sent = 0;

  constructor(readonly socket: Socket, private readonly peer: string) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.failure) return;
      try {
        for (const f of this.reader.push(chunk)) this.deliver(f);
      } catch (e) {
        this.fail(e instanceof MigrationError ? e : new MigrationError(String(e)));
        socket.destroy();
      }
    });
    socket.on('drain', () => { for (const w of this.drainWaiters.splice(0)) w(); });
    socket.on('error', (e) => this.fail(new MigrationError(`connection to ${this.peer} failed: ${e.message}`)));
    socket.on('close', () => this.fail(new MigrationError(`connection to ${this.peer} closed` +
      (this.reader.pending ? ` in the middle of a message (${this.reader.pending} bytes of it received)` : ''))));
  }

  get received(): number { return this.reader.received; }
  get error(): MigrationError | null { return this.failure; }

  private deliver(f: Frame): void {
    if (this.waiter) { const w = this.waiter; this.waiter = null; w.resolve(f); } else this.frames.push(f);
  }

  /** Mark the channel failed (first reason wins) and wake everyone waiting. */
  fail(e: MigrationError): void {
    if (this.failure) return;
    this.failure = e;
    if (this.waiter) { const w = this.waiter; this.waiter = null; w.reject(e); }
    for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Queue a frame; resolves once the socket's queue is below the high-water mark. */
  async send(bytes: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.socket.write(bytes);
    this.sent += bytes.length;
    while (this.socket.writableLength > HIGH_WATER && !this.failure) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
    if (this.failure) throw this.failure;
  }

  /** Resolves once everything queued has been handed to the kernel. */
  async flushed(): Promise<void> {
    while (this.socket.writableLength > 0 && !this.failure) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
    if (this.failure) throw this.failure;
  }

  /** The next frame (of one of `expect`'s types, or a MigrationError naming what came instead). ERROR frames become errors. */
  async next(expect: readonly MsgType[], timeoutMs = 0): Promise<Frame> {
    const f = await this.nextAny(timeoutMs);
    if (f.type === 7 /* Error */) {
      let msg = f.payload.toString('utf8');
      try { msg = (JSON.parse(msg) as { message: string }).message; } catch { /* raw text */ }
      throw new MigrationError(`${this.peer} gave up: ${msg}`);
    }
    if (!expect.includes(f.type)) {
      throw new MigrationError(`unexpected ${MSG_NAMES[f.type]} message from ${this.peer} (expected ${expect.map((t) => MSG_NAMES[t]).join(' or ')})`);
    }
    return f;
  }

  private nextAny(timeoutMs: number): Promise<Frame> {
    const queued = this.frames.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Frame>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.waiter = null;
          reject(new MigrationError(`no message from ${this.peer} for ${timeoutMs / 1000} s`));
        }, timeoutMs);
      }
      this.waiter = {
        resolve: (f) => { if (timer) clearTimeout(timer); resolve(f); },
        reject: (e) => { if (timer) clearTimeout(timer); reject(e); },
      };
    });
  }

  /** Close after what is queued has been sent. */
  end(): void { this.socket.end(); }
  destroy(): void { this.socket.destroy(); }
}
