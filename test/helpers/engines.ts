/**
 * The engines every engine-level test runs on, with the same expectations.
 * When the JIT lands, add 'jit' here and every such test covers it.
 */
import type { EngineName } from '../../src/snippet.js';
export const TEST_ENGINES: readonly EngineName[] = ['interpreter', 'jit'];
