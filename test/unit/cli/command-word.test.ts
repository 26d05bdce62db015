import { describe, expect, it } from 'vitest';
import { commandOf } from '../../../src/cli/command-word.js';

describe('commandOf', () => {
  it('finds the command after flags and the values of flags that take one', () => {
    expect(commandOf(['up'])).toBe('up');
    expect(commandOf(['--env', 'production', 'up', '--json'])).toBe('up');
    expect(commandOf(['--config', 'db/milvus.config.yaml', '--lock-timeout', '30', 'down', '--to', '0'])).toBe('down');
    expect(commandOf(['--json', 'status'])).toBe('status');
    expect(commandOf(['--help'])).toBeNull();
    expect(commandOf([])).toBeNull();
  });
});
