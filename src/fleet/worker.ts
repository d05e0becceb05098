/**
 * One fleet VM's worker thread: builds a Machine (src/vm.ts) from its
 * VmSpec, runs it on this thread's own event loop and heap, forwards its
 * serial output and answers the main thread (fleet.ts). When the guest
 * ends (powered off, reset, triple fault, stopped) the thread reports
 * how and ends, and its memory (the guest's RAM included) goes with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Machine, type MachineOptions } from '../vm.js';
import type { FromWorker, ToWorker, VmSpec } from './messages.js';

const port = parentPort!;
const spec = workerData as VmSpec;
const post = (m: FromWorker) => port.postMessage(m);

let machine: Machine;
try {
  if (spec.restore !== undefined) {
    machine = await Machine.restore(spec.restore, { ...(spec.engine ? { engine: spec.engine } : {}), ...(spec.clock ? { clock: spec.clock } : {}) });
  } else {
    const opts: MachineOptions = {
      ...(spec.kernel !== undefined ? { kernel: spec.kernel } : {}),
      ...(spec.initrd !== undefined ? { initrd: spec.initrd } : {}),
      ...(spec.cmdline !== undefined ? { cmdline: spec.cmdline } : {}),
      ...(spec.memoryMiB !== undefined ? { memoryMiB: spec.memoryMiB } : {}),
      ...(spec.engine !== undefined ? { engine: spec.engine } : {}),
      ...(spec.cpu !== undefined ? { cpu: spec.cpu } : {}),
      ...(spec.clock !== undefined ? { clock: spec.clock } : {}),
    };
    machine = Machine.create(opts);
  }
} catch (e) {
  post({ type: 'failed', message: (e as Error).message });
  port.close();
  process.exit(1); // ends this thread only
}

machine.on('output', (chunk: Buffer) => post({ type: 'output', data: new Uint8Array(chunk) }));
// What `jitvisor run` prints (its compile worker died...): the fleet's own 'warning' and the VM's info.
machine.on('warning', (text: string) => post({ type: 'warning', message: text }));
port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'input': machine.sendInput(m.data); break;
    case 'status': {
      const mu = process.memoryUsage();
      post({ type: 'status', id: m.id, status: machine.status(), memory: { rss: mu.rss, heapUsed: mu.heapUsed } });
      break;
    }
    case 'pause': void machine.pause(); break;
    case 'resume': machine.resume(); break;
    case 'stop': machine.stop(); break;
  }
});
post({ type: 'ready', status: machine.status() });
const exit = await machine.run(spec.maxInstructions !== undefined ? { instructions: spec.maxInstructions } : {});
post({ type: 'exit', exit, status: machine.status() });
port.close();
