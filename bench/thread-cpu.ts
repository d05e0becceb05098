/**
 * CPU time of this process's threads, from /proc (Linux only): the main
 * thread apart from the others (the compile worker, V8's platform thread
 * tiering wasm up to TurboFan, GC helpers). process.cpuUsage() sums them
 * all, so a paired measurement of the main thread's steady state picks up
 * whatever the worker and TurboFan happened to do meanwhile: on the boot's
 * middle (bench/phase-window.ts, docs/jit-plan.md "The boot's middle") two
 * identical configurations differed by 448 vs 563 ms of process CPU over the
 * same 160 M instructions while their main threads differed by 1 %.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** ns a thread has run (schedstat's first field: nanoseconds, not 10 ms ticks); 0 when unreadable. */
function taskNs(tid: string): number {
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0; // the thread ended between the listing and the read, or no /proc
  }
}

/** The main thread's CPU ns so far. */
export function mainThreadNs(): number {
  return taskNs(String(process.pid));
}

/** CPU ns so far: the main thread, and the sum of every other thread alive now. */
export function threadNs(): { main: number; others: number } {
  let others = 0;
  let tids: string[] = [];
  try { tids = readdirSync('/proc/self/task'); } catch { /* no /proc: zeros */ }
  for (const t of tids) if (t !== String(process.pid)) others += taskNs(t);
  return { main: mainThreadNs(), others };
}

/** The main thread's CPU, ms (/proc/thread-self/stat utime + stime, 10 ms ticks), as boot-runner; shared by the window benches. */
export function mainCpuMs(): number {
  const s = readFileSync('/proc/thread-self/stat', 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}
