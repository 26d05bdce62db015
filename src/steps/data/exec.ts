import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as z from 'zod';
import { redact } from '../../util/redact.js';
import { MigrateError } from '../../errors.js';
import { flag } from '../params.js';
import { defineStep, type StepContext } from '../types.js';

/** Lines of stderr quoted when a command fails. */
export const STDERR_TAIL_LINES = 20;
/** After a timeout: how long a command gets to exit on SIGTERM before SIGKILL. */
export const KILL_GRACE_MS = 5_000;
/** Variables that carry credentials: never inherited by a command unless `pass_token: true`. */
const SECRET_VARIABLES = ['MILVUS_TOKEN', 'MILVUS_USERNAME', 'MILVUS_PASSWORD'] as const;

const arg = z.union([z.string(), z.number()], {
  error: (iss) => `each argument must be a string or a number, got ${JSON.stringify(iss.input)}`,
});

const params = z
  .object({
    /** The program and its arguments, e.g. `[python3, scripts/reembed.py, --batch, 100]`. No shell: write `[sh, -c, "..."]` for one. */
    command: z.array(arg, { error: 'must be a list: the program and its arguments, e.g. [python3, scripts/reembed.py]' }).min(1, {
      error: 'needs at least the program to run',
    }),
    /** Kill the command (SIGTERM, then SIGKILL) and fail the step after this many seconds. */
    timeout_seconds: z.number({ error: 'must be a number of seconds' }).positive({ error: 'must be more than 0' }).optional(),
    /** Give the command the connection's credentials as MILVUS_TOKEN (a token, or `user:password`). */
    pass_token: flag,
    /** Declares that the command deletes data. See the note in the step's TSDoc. */
    destructive: flag,
  })
  .strict();
type Params = z.infer<typeof params>;

/**
 * Runs a command (a script beside the migration: re-embedding, a backfill, a check), in the
 * migration's folder, with the environment inherited plus the connection as `MILVUS_ADDRESS` and
 * `MILVUS_DATABASE` (and `MILVUS_TOKEN` only with `pass_token: true`; inherited credential
 * variables are removed otherwise). Its output goes to the log line by line; a non-zero exit
 * fails the step with the exit code and the last lines of stderr.
 *
 * A command that was running when a run stopped runs again when the run resumes
 * (`MILVUS_MIGRATE_RESUMED=1` tells it), so commands should be safe to repeat.
 * No inverse: give the migration a `down:`.
 *
 * `destructive: true` declares that the command deletes data: the step then needs
 * `--allow-destructive` like any drop.
 */
export const exec = defineStep({
  name: 'exec',
  params,
  destructive: (p) => p.destructive === true,
  describe: (p) => `run ${p.command.map((a) => quote(String(a))).join(' ')}${p.timeout_seconds ? ` (timeout ${p.timeout_seconds} s)` : ''}`,
  async run(ctx, p) {
    await runCommand(ctx, p);
  },
  inverse: () => ({ irreversible: 'exec cannot be undone automatically; give the migration a down:' }),
});

/** The environment of the command: inherited, plus the connection, minus credentials unless asked. */
export function commandEnv(
  inherited: NodeJS.ProcessEnv,
  connection: { address: string; database: string; token: string | undefined },
  opts: { passToken: boolean; migration: string; resumed: boolean },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...inherited };
  for (const k of SECRET_VARIABLES) delete env[k];
  env.MILVUS_ADDRESS = connection.address;
  env.MILVUS_DATABASE = connection.database;
  if (opts.passToken && connection.token) env.MILVUS_TOKEN = connection.token;
  env.MILVUS_MIGRATE_MIGRATION = opts.migration;
  env.MILVUS_MIGRATE_RESUMED = opts.resumed ? '1' : '0';
  return env;
}

async function runCommand(ctx: StepContext, p: Params): Promise<void> {
  const [program, ...args] = p.command.map(String) as [string, ...string[]];
  const token = ctx.milvus.authToken();
  const env = commandEnv(
    process.env,
    { address: ctx.milvus.address, database: ctx.milvus.database, token },
    {
      passToken: p.pass_token === true,
      migration: ctx.migration.name,
      resumed: ctx.resumed,
    },
  );
  // The command may print what it was given; nothing that reaches the log shows the token.
  const scrub = (line: string) => (token ? redact(line, [token]) : line);
  const shown = p.command.map((a) => quote(String(a))).join(' ');

  const child = spawn(program, args, { cwd: ctx.migration.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void) =>
    new Promise<void>((resolve) => {
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      rl.on('line', (line) => onLine(scrub(line)));
      rl.on('close', resolve);
    });
  const out = lines(child.stdout, (line) => ctx.logger.info(`    ${line}`));
  const err = lines(child.stderr, (line) => {
    ctx.logger.info(`    ${line}`);
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
  });

  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const timer =
    p.timeout_seconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        }, p.timeout_seconds * 1000);

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  })
    .catch((e: NodeJS.ErrnoException) => {
      throw new MigrateError('migration-failed', `cannot run ${shown}: ${e.code === 'ENOENT' ? `${program} not found` : e.message}`, {
        hint:
          e.code === 'ENOENT'
            ? `the command runs in the migration's folder (${ctx.migration.dir}); give a path or a program on PATH`
            : undefined,
      });
    })
    .finally(() => {
      clearTimeout(timer);
      clearTimeout(killTimer);
    });
  // The streams close when every process holding them has exited (a child of the command may
  // hold them longer): wait for them, but not forever.
  await Promise.race([Promise.all([out, err]), new Promise((r) => setTimeout(r, 2_000).unref())]);

  const stderrTail = tail.length ? `; last lines of stderr:\n${tail.map((l) => `  ${l}`).join('\n')}` : '';
  if (timedOut)
    throw new MigrateError('migration-failed', `${shown} did not finish within ${p.timeout_seconds} s and was killed${stderrTail}`);
  if (exit.signal) throw new MigrateError('migration-failed', `${shown} was killed by ${exit.signal}${stderrTail}`);
  if (exit.code !== 0) throw new MigrateError('migration-failed', `${shown} exited with code ${exit.code}${stderrTail}`);
}

/** An argument as a shell would need it, for messages only (nothing is run through a shell). */
function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
