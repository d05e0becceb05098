/**
 * Between run slices of a guest (Pc.run, Machine's loop): when the guest
 * waits for a device (`sleep` ms until its next event) the host sleeps, and
 * an input, a stop or a pause wakes it early; when the guest keeps running,
 * the loop still yields to the event loop every YIELD_MS so that sockets,
 * timers and terminal input are served.
 */
const YIELD_MS = 20;

export class SlicePacer {
  private lastYield = performance.now();
  private waker: (() => void) | null = null;

  /** Cut a sleep short (input arrived, a stop or pause was asked for). */
  wake(): void { this.waker?.(); }

  /** After a slice that asked to sleep `sleep` ms (0: none): a promise to await, or null to run on at once. */
  pace(sleep: number): Promise<void> | null {
    if (sleep > 0) {
      return new Promise<void>((resolve) => {
        const t = setTimeout(() => this.woken(resolve), sleep);
        this.waker = () => { clearTimeout(t); this.woken(resolve); };
      });
    }
    if (performance.now() - this.lastYield <= YIELD_MS) return null;
    return new Promise<void>((resolve) => setImmediate(() => { this.lastYield = performance.now(); resolve(); }));
  }

  /** Restart the yield interval (a loop starting after a pause). */
  reset(): void { this.lastYield = performance.now(); }

  private woken(resolve: () => void): void {
    this.waker = null;
    this.lastYield = performance.now();
    resolve();
  }
}
