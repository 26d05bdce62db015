import { describe, expect, it } from 'vitest';
import { Output } from '../../../src/cli/output.js';
import { runText } from '../../../src/cli/render.js';
import type { RunResult } from '../../../src/runner/results.js';

const out = new Output(false, false, false);
const nothing = (direction: 'up' | 'down'): RunResult => ({ direction, dryRun: false, results: [] });

describe('runText', () => {
  it('says what "nothing to do" means: everything applied, or everything up to the --to target', () => {
    expect(runText(out, nothing('up'))).toBe('✔ Nothing to do: every migration is applied.');
    expect(runText(out, nothing('up'), '002_b')).toBe('✔ Nothing to do: every migration up to 002_b is applied.');
    expect(runText(out, nothing('down'))).toBe('✔ Nothing to revert: no migration is applied.');
  });
});
