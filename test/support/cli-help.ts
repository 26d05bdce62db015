/**
 * The CLI in-process, for unit tests that need no Milvus: `--help` text (yargs prints it with
 * console.log) and the list of commands it registers.
 */
import { vi } from 'vitest';
import { run } from '../../src/cli/main.js';
import { Output } from '../../src/cli/output.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `milvus-migrate ...argv` in this process, capturing what it writes (help included). */
export async function runInProcess(argv: string[]): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) => ({ write: (s: string) => (add(s), true) }) as unknown as NodeJS.WritableStream;
  const out = new Output(
    argv.includes('--json'),
    false,
    false,
    sink((s) => (stdout += s)),
    sink((s) => (stderr += s)),
  );
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  try {
    const code = await run(argv, out);
    return { code, stdout, stderr };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** Every command `milvus-migrate --help` lists, e.g. `['init', 'create', ...]`. */
export async function registeredCommands(): Promise<string[]> {
  const { stdout } = await runInProcess(['--help']);
  const section = stdout.split(/\n\s*\n/).find((block) => block.startsWith('Commands:'));
  if (!section) throw new Error(`no Commands: section in --help:\n${stdout}`);
  return section
    .split('\n')
    .slice(1)
    .map((line) => /^\s+milvus-migrate (\S+)/.exec(line)?.[1])
    .filter((c): c is string => c !== undefined);
}

/**
 * What is wrong with one `milvus-migrate <command> [flags]` invocation written in the docs: an
 * unknown command, or flags its `--help` does not list. `pending`: commands another branch builds.
 */
export async function checkInvocation(words: string[], commands: string[], pending: readonly string[] = []): Promise<string[]> {
  const [command, ...rest] = words;
  if (!command || pending.includes(command)) return [];
  if (!commands.includes(command)) return [`unknown command: ${words.join(' ')}`];
  const help = (await runInProcess([command, '--help'])).stdout;
  return rest
    .filter((w) => w.startsWith('--'))
    .filter((flag) => !new RegExp(`^\\s+${flag.split('=')[0]}\\b`, 'm').test(help))
    .map((flag) => `${command}: unknown flag ${flag}`);
}
