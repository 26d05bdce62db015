import { describe, expect, it } from 'vitest';
import { formatUptime } from '../../../src/cli/commands/dev.js';
import { runInProcess } from '../../support/cli-help.js';

describe('dev', () => {
  it('shows uptime in the two largest units', () => {
    expect([0, 12_400, 252_000, 11_040_000, 2 * 86_400_000 + 3_600_000].map(formatUptime)).toEqual([
      '0 s',
      '12 s',
      '4 min 12 s',
      '3 h 4 min',
      '2 d 1 h',
    ]);
  });

  it('refuses an action it does not know, and a negative --stop-timeout, as usage errors (exit 2)', async () => {
    expect((await runInProcess(['dev', 'restart'])).code).toBe(2);
    expect((await runInProcess(['dev', 'stop', '--stop-timeout', '-1'])).code).toBe(2);
  });
});
