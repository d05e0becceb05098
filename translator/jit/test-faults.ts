/**
 * TEST-ONLY fault injection: deliberately wrong code generation, so that the
 * lockstep checker (lockstep.ts, `jitvisor compare --lockstep`) can be shown
 * to catch a broken translation (test/jit/lockstep.test.ts). Never set in
 * normal use. Read when a block is compiled, so switching it affects blocks
 * compiled afterwards.
 *
 * - adcCarry: every inline ADC (codegen/alu.ts) adds the inverted carry-in.
 *
 * The environment variable JITVISOR_TEST_FAULT=adc-carry sets it at start-up
 * (so the CLI test can turn it on in a child process).
 */
export const testFaults = { adcCarry: false };

const env = typeof process !== 'undefined' ? process.env.JITVISOR_TEST_FAULT : undefined;
if (env !== undefined && env !== '') {
  for (const f of env.split(',')) {
    if (f === 'adc-carry') testFaults.adcCarry = true;
    else throw new Error(`JITVISOR_TEST_FAULT: unknown fault '${f}' (known: adc-carry)`);
  }
}
