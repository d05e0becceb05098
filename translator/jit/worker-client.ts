/**
 * The main thread's side of the compile worker (worker.ts): one worker per
 * process, started on first use and unref'd (it never keeps the process
 * alive); each JIT gets its own MessageChannel to it. Answers are read with
 * receiveMessageOnPort, synchronously, when the JIT polls between run
 * slices: attaching compiled code never waits for the host event loop, and
 * always happens between blocks.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { CompileReply, CompileRequest } from './worker.js';

let shared: Worker | null = null;
/** Why the worker stopped, when it did (the JIT then compiles on the main thread). */
let failure: string | null = null;

function worker(): Worker {
  if (shared === null) {
    const w = new Worker(new URL('./worker.js', import.meta.url));
    w.unref();
    w.on('error', (e) => { failure = e instanceof Error ? e.message : String(e); });
    w.on('exit', (code) => { failure ??= `exited with code ${code}`; shared = null; });
    shared = w;
  }
  return shared;
}

export class CompileClient {
  private readonly port: MessagePort;
  /** Bumped (and notified) by the worker after each answer it posts: wait() sleeps on it. */
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  /** Requests sent and not answered yet. */
  inFlight = 0;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    worker().postMessage({ port: port2, signal: this.signal }, [port2]);
    port1.unref();
    this.port = port1;
  }

  /** The worker died (an uncaught error or exit): pending requests will never be answered. */
  get failed(): string | null { return failure; }

  send(packed: Float64Array): number {
    const id = this.nextId++;
    const req: CompileRequest = { id, packed };
    this.port.postMessage(req, [packed.buffer as ArrayBuffer]);
    this.inFlight++;
    return id;
  }

  /** The next answer, if one has arrived. */
  poll(): CompileReply | undefined {
    const m = receiveMessageOnPort(this.port);
    if (m === undefined) return undefined;
    this.inFlight--;
    return m.message as CompileReply;
  }

  /** Block until the next answer arrives (synchronous compiles); throws if the worker died. */
  wait(): CompileReply {
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const r = this.poll();
      if (r !== undefined) return r;
      if (failure !== null) throw new Error(`JIT compile worker failed: ${failure}`);
      Atomics.wait(this.signal, 0, seen, 1000);
    }
  }

  close(): void { this.port.close(); }
}
