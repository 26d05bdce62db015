import { describe, expect, it } from 'vitest';
import { registeredCommands, runInProcess } from '../../support/cli-help.js';

describe('--help', () => {
  it('lists the commands of the contract', async () => {
    expect(await registeredCommands()).toEqual(expect.arrayContaining(['init', 'create', 'status', 'up', 'down', 'plan', 'validate', 'unlock', 'mark']));
  });

  it('shows usage, options and at least one example for every command', async () => {
    const commands = await registeredCommands();
    for (const command of commands) {
      const { code, stdout } = await runInProcess([command, '--help']);
      expect(code, command).toBe(0);
      expect(stdout, command).toContain(`milvus-migrate ${command}`);
      const examples = stdout.split('Examples:\n')[1];
      expect(examples, `${command} --help has no Examples: block`).toBeDefined();
      expect(examples!.split('\n').filter((l) => l.startsWith(`  milvus-migrate ${command}`)).length, command).toBeGreaterThan(0);
    }
  });

  it('shows examples and the exit codes at the top level', async () => {
    const { code, stdout } = await runInProcess(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(stdout).toMatch(/Exit codes: 0 success/);
  });
});
