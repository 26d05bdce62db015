import { describe, expect, it } from 'vitest';
import { COMPLETION_COMMAND } from '../../../src/cli/main.js';
import { TOOL_VERSION } from '../../../src/version.js';
import { registeredCommands, runInProcess } from '../../support/cli-help.js';

describe('--help', () => {
  it('lists the commands of the contract', async () => {
    expect(await registeredCommands()).toEqual(
      expect.arrayContaining(['init', 'create', 'status', 'up', 'down', 'plan', 'validate', 'unlock', 'mark']),
    );
  });

  it('shows usage, options and at least one example for every command', async () => {
    // yargs' `completion` prints its shell script for --help as well (tested below).
    const commands = (await registeredCommands()).filter((c) => c !== COMPLETION_COMMAND);
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

  it('-h and -v/-V are aliases of --help and --version', async () => {
    const help = await runInProcess(['--help']);
    expect(await runInProcess(['-h'])).toEqual(help);
    expect(help.stdout).toMatch(/^\s+-h, --help\b/m);
    for (const flag of ['--version', '-v', '-V'])
      expect(await runInProcess([flag]), flag).toMatchObject({ code: 0, stdout: `${TOOL_VERSION}\n` });
  });

  it('plan takes no lock, so it offers no --lock-timeout; up and down do', async () => {
    expect((await runInProcess(['plan', '--help'])).stdout).not.toContain('--lock-timeout');
    for (const command of ['up', 'down']) expect((await runInProcess([command, '--help'])).stdout, command).toContain('--lock-timeout');
    expect((await runInProcess(['plan', '--lock-timeout', '5'])).code).toBe(2);
  });

  it('--color says how its default is chosen, not what it was for this run', async () => {
    const { stdout } = await runInProcess(['--help']);
    const color = stdout.slice(stdout.indexOf('--color'), stdout.indexOf('-h, --help'));
    expect(color).not.toMatch(/default: (true|false)/);
    expect(color.replace(/\s+/g, ' ')).toContain('[default: on when stderr is a terminal, unless NO_COLOR is set]');
  });

  it('completion prints a shell script that asks the CLI back, which completes commands and flags', async () => {
    const script = await runInProcess([COMPLETION_COMMAND]);
    expect(script.code).toBe(0);
    expect(script.stdout).toContain('milvus-migrate --get-yargs-completions');
    const commands = await runInProcess(['--get-yargs-completions', 'milvus-migrate', 'st']);
    expect(commands.stdout.split('\n')).toEqual(expect.arrayContaining(['status', 'up', 'plan']));
    const flags = await runInProcess(['--get-yargs-completions', 'milvus-migrate', 'status', '--']);
    expect(flags.stdout.split('\n')).toEqual(expect.arrayContaining(['--check', '--json', '--env']));
  });
});
