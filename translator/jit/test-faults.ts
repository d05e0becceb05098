/**
 * TEST-ONLY fault injection: deliberately wrong code generation, so that the
 * lockstep checker (lockstep.ts, `jitvisor compare --lockstep`) can be shown
 * to catch a broken translation (test/jit/lockstep.test.ts). Never set in
 * normal use. Read when a block is compiled, so switching it affects blocks
 * compiled afterwards.
 *
 * - adcCarry: every inline ADC (codegen/alu.ts) adds the inverted carry-in.
 * - workerExit: the next this-many compile requests sent make the compile
 *   worker exit as it takes them (worker.ts), as a crash would
 *   (test/jit/worker-crash.test.ts, the fleet's test); workerExitQuiet: with
 *   its 'exit' handlers removed first, as a kill or an out-of-memory end runs
 *   none (what a synchronous wait must see through /proc).
 *
 * The environment variable JITVISOR_TEST_FAULT=adc-carry sets adcCarry at
 * start-up (so the CLI test can turn it on in a child process);
 * JITVISOR_TEST_FAULT=worker-exit makes every request end its worker.
 */
export const testFaults = { adcCarry: false, workerExit: 0, workerExitQuiet: false };

const env = typeof process !== 'undefined' ? process.env.JITVISOR_TEST_FAULT : undefined;
if (env !== undefined && env !== '') {
  for (const f of env.split(',')) {
    if (f === 'adc-carry') testFaults.adcCarry = true;
    else if (f === 'worker-exit') testFaults.workerExit = Infinity;
    else throw new Error(`JITVISOR_TEST_FAULT: unknown fault '${f}' (known: adc-carry, worker-exit)`);
  }
}
