import { TOOL_VERSION } from '../version.js';
import yargs, { type Argv } from 'yargs';
import { InvalidInputError, MigrateError, errorMessage } from '../errors.js';
import { commandOf } from './command-word.js';
import { toMilvusError } from '../milvus/status.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import type { FailureDocument } from './json-shapes.js';
import { colorEnabled, Output } from './output.js';
import { errorJson, errorText } from './render.js';
import type { GlobalArgs } from './session.js';

/** The launcher (bin/milvus-migrate.js) hands in its own import(): see util/dynamic-import.ts. */
export { setImporter } from '../util/dynamic-import.js';
/** ... and turns on the parse cache of YAML migrations, keyed by the bundle it loaded: see migrations/parse-cache.ts. */
export { useParseCache } from '../migrations/parse-cache.js';

/**
 * The command line. This directory is the only place that prints or exits. Command modules are
 * imported when their command runs, so `--help`, `create` and offline `validate` never load the
 * Milvus SDK.
 */

/**
 * yargs' built-in command that prints a shell completion script. It prints that script for
 * `--help` too, and has no `--json` document: it is not one of ours.
 */
export const COMPLETION_COMMAND = 'completion';

const EXAMPLES_EPILOG = `Exit codes: 0 success (also nothing to do), 1 a migration failed (status --check: not all
applied), 2 invalid input (usage, config, migration file, checksum, irreversible down), 3 lock held
by another run, 4 destructive steps refused, 5 cannot connect to or authenticate with Milvus.`;

function globalOptions(y: Argv, color: boolean) {
  return y
    .option('config', { type: 'string', describe: 'Path of milvus.config.yaml (default: found from the current folder up)', global: true })
    .option('env', { type: 'string', describe: 'Environment of the config file to use (environments.NAME)', global: true })
    .option('address', {
      alias: 'uri',
      type: 'string',
      describe: 'Milvus address host:port or https://host:port (beats MILVUS_ADDRESS/MILVUS_URI and the config)',
      global: true,
    })
    .option('token', { type: 'string', describe: 'Milvus token, or user:password (beats MILVUS_TOKEN); never printed', global: true })
    .option('database', { type: 'string', describe: 'Milvus database holding the state (beats MILVUS_DATABASE)', global: true })
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document on stdout; logs go to stderr', global: true })
    .option('verbose', { type: 'boolean', default: false, describe: 'More detail on stderr', global: true })
    .option('color', {
      type: 'boolean',
      default: color,
      // The default is worked out per run (flags, NO_COLOR, FORCE_COLOR, a terminal): say how, not what it was this time.
      defaultDescription: 'on when stderr is a terminal, unless NO_COLOR is set',
      describe: 'Colours (--no-color or NO_COLOR turn them off)',
      global: true,
    });
}

function migrateOptions(y: Argv, direction: 'up' | 'down' | 'plan') {
  return y
    .option('to', {
      type: 'string',
      describe:
        direction === 'down' ? 'Revert down to and including this migration; 0 reverts all' : 'Apply up to and including this migration',
    })
    .option('step', { type: 'number', describe: direction === 'down' ? 'Revert at most N migrations' : 'Apply at most N migrations' })
    .conflicts('to', 'step');
}

/**
 * `--targets` and how a fan-out schedules them. `changes`: the commands that change Milvus also
 * take a canary and the stop policy (read-only ones visit every target).
 */
function targetOptions(y: Argv, changes: boolean) {
  const read = y
    .option('targets', {
      type: 'string',
      describe: "Run on many databases: all (the config's targets), or a list of names, patterns (tenant_*) and env:NAME",
    })
    .option('parallel', { type: 'number', describe: 'With --targets: how many targets run at once (default 1)' });
  if (!changes) return read;
  return read
    .option('canary', { type: 'number', describe: 'With --targets: run this many first; the rest only if they all succeed' })
    .option('continue-on-error', {
      type: 'boolean',
      describe: 'With --targets: after a target fails, start the rest anyway (default: start no new one; running ones finish)',
    });
}

/** `up` and `down` take the lock (`plan` only reads, and takes none). */
function lockOptions(y: Argv) {
  return y.option('lock-timeout', {
    type: 'number',
    describe: 'Seconds to wait for another run holding the lock (default 60, or lockTimeout in the config); then exit 3',
  });
}

/** Runs the CLI and resolves to the exit code; never calls `process.exit` itself. */
export async function run(argv: readonly string[], out?: Output): Promise<number> {
  // Render errors before yargs has parsed --json: look for it by hand.
  const wantsJson = argv.includes('--json');
  const color = colorEnabled(argv);
  let output = out ?? new Output(wantsJson, argv.includes('--verbose'), color);
  // Secrets given on the command line or in the environment are scrubbed from the start.
  output.addSecrets([flagValue(argv, '--token'), process.env.MILVUS_TOKEN, process.env.MILVUS_PASSWORD]);
  let code: number = EXIT.ok;
  const handle =
    <A>(fn: (args: A & GlobalArgs, out: Output) => Promise<number>) =>
    async (raw: unknown): Promise<void> => {
      const args = raw as A & GlobalArgs;
      if (!out) {
        const o = new Output(args.json, args.verbose, args.color);
        o.addSecrets(output.secrets);
        output = o;
      }
      try {
        code = await fn(args, output);
      } catch (err) {
        code = report(output, err, String((raw as { _: unknown[] })._[0]));
      } finally {
        output.close();
      }
    };

  const parser = (globalOptions(yargs([...argv]), color) as unknown as Argv)
    .scriptName('milvus-migrate')
    .usage('$0 <command> [options]\n\nVersioned schema migrations for Milvus, with state kept in Milvus itself.')
    .command(
      'init',
      'Write milvus.config.yaml and a migrations/ folder, if absent',
      (y) =>
        y
          .example('$0 init', 'start using milvus-migrate in this repository')
          .example('$0 init --config db/milvus.config.yaml', 'put the config elsewhere (then pass --config to every command)'),
      handle(async (a, o) => (await import('./commands/init.js')).init(a, o)),
    )
    .command(
      'create <name>',
      'Create a migration file named YYYYMMDDHHMMSS_<name> (UTC)',
      (y) =>
        y
          .positional('name', { type: 'string', demandOption: true, describe: 'What the migration does, e.g. "drop old partition"' })
          .option('format', {
            choices: ['yaml', 'ts', 'js'] as const,
            default: 'yaml' as const,
            describe: 'YAML steps, or TypeScript/JavaScript code',
          })
          .example('$0 create "add 2027 partition"', 'migrations/20261128120000_add_2027_partition.yaml')
          .example('$0 create "backfill titles" --format ts', 'a TypeScript code migration (.ts, no build step)'),
      handle<{ name: string; format: 'yaml' | 'ts' | 'js' }>(async (a, o) => (await import('./commands/create.js')).create(a, o)),
    )
    .command(
      'status',
      'List every migration: applied | pending | failed | changed | missing',
      (y) =>
        targetOptions(y, false)
          .option('check', {
            type: 'boolean',
            default: false,
            describe: 'Exit 1 when any migration is pending, failed, changed or missing (a CI gate)',
          })
          .example('$0 status', 'what is applied, pending, failed, changed or missing')
          .example('$0 status --env production --json', 'machine-readable status of production')
          .example('$0 status --check --env production', 'in CI: fail unless production has every migration applied')
          .example('$0 status --targets all', 'a matrix: every migration on every target of the config'),
      handle<{ check?: boolean }>(async (a, o) => (await import('./commands/status.js')).status(a, o)),
    )
    .command(
      'up',
      'Apply pending migrations in name order (resumes a failed one at its failed step)',
      (y) =>
        targetOptions(lockOptions(migrateOptions(y, 'up')), true)
          .option('dry-run', { type: 'boolean', default: false, describe: 'Print the plan with live facts; change nothing' })
          .option('allow-destructive', {
            type: 'boolean',
            default: false,
            describe: 'Allow steps that delete data (dropPartition, dropCollection, ...)',
          })
          .option('allow-changed', {
            type: 'boolean',
            default: false,
            describe: 'Go on although applied migration files were edited (checksum mismatch)',
          })
          .option('allow-out-of-order', { type: 'boolean', default: false, describe: 'Run pending migrations named before an applied one' })
          .option('backup', {
            type: 'boolean',
            describe: 'Back up every dropPartition, dropCollection and delete first, so down restores them (or backup: true in the config)',
          })
          .example('$0 up', 'apply everything pending')
          .example('$0 up --dry-run', 'show what would run and what is at stake')
          .example('$0 up --env production --allow-destructive', 'deploy step in CI')
          .example("$0 up --targets 'tenant_*' --parallel 4 --canary 1", 'every tenant database, four at a time, after one canary'),
      handle<{
        to?: string;
        step?: number;
        dryRun?: boolean;
        allowDestructive?: boolean;
        lockTimeout?: number;
        allowChanged?: boolean;
        allowOutOfOrder?: boolean;
        backup?: boolean;
      }>(async (a, o) => (await import('./commands/migrate.js')).migrate('up', a, o)),
    )
    .command(
      'down',
      'Revert the last applied migration (or more with --to / --step)',
      (y) =>
        targetOptions(lockOptions(migrateOptions(y, 'down')), true)
          .option('dry-run', { type: 'boolean', default: false, describe: 'Print the plan with live facts; change nothing' })
          .option('allow-destructive', {
            type: 'boolean',
            default: false,
            describe: 'Allow steps that delete data (reverting a create drops it)',
          })
          .option('backup', { type: 'boolean', describe: 'Back up what the down drops first (a reverted createCollection, ...)' })
          .example('$0 down', 'revert the last applied migration')
          .example('$0 down --step 2 --dry-run', 'show what reverting the last two would do')
          .example('$0 down --to 0 --allow-destructive', 'revert everything'),
      handle<{ to?: string; step?: number; dryRun?: boolean; allowDestructive?: boolean; lockTimeout?: number; backup?: boolean }>(
        async (a, o) => (await import('./commands/migrate.js')).migrate('down', a, o),
      ),
    )
    .command(
      'plan',
      'Same as up --dry-run: what would run, with live facts from Milvus',
      (y) =>
        targetOptions(migrateOptions(y, 'plan'), false)
          .option('allow-changed', { type: 'boolean', default: false, describe: 'Plan although applied migration files were edited' })
          .option('allow-out-of-order', {
            type: 'boolean',
            default: false,
            describe: 'Plan pending migrations named before an applied one',
          })
          .option('backup', {
            type: 'boolean',
            describe: 'Plan as up --backup would run: every dropPartition, dropCollection and delete backed up first',
          })
          .option('format', {
            choices: ['text', 'json', 'markdown'] as const,
            default: 'text' as const,
            describe: 'Output: text, JSON (as --json), or Markdown for a pull request comment or job summary',
          })
          .example('$0 plan', 'what up would run, with rows at stake')
          .example('$0 plan --format markdown > plan.md', 'the plan as a pull request comment')
          .example('$0 plan --json', 'the plan as JSON'),
      handle<{
        to?: string;
        step?: number;
        allowChanged?: boolean;
        allowOutOfOrder?: boolean;
        backup?: boolean;
        format?: 'text' | 'json' | 'markdown';
      }>(async (a, o) => (await import('./commands/migrate.js')).migrate('plan', a, o)),
    )
    .command(
      'validate',
      'Check that migration files parse and validate, and that applied ones are unchanged',
      (y) =>
        targetOptions(y, false)
          .option('offline', { type: 'boolean', default: false, describe: 'Only check the files; do not connect to compare checksums' })
          .example('$0 validate --offline', 'in a pull request, without a server')
          .example('$0 validate --env production', 'also check that applied files were not edited'),
      handle<{ offline?: boolean }>(async (a, o) => (await import('./commands/validate.js')).validate(a, o)),
    )
    .command(
      'mark <name>',
      'Record a migration as applied or pending without running its steps (repair, baseline)',
      (y) =>
        y
          .positional('name', { type: 'string', demandOption: true, describe: 'Migration name (file name without extension)' })
          .option('applied', { type: 'boolean', describe: 'Record it as applied' })
          .option('pending', { type: 'boolean', describe: 'Remove its state so it runs again' })
          .example('$0 mark 20261128120000_create_example_collection --applied', 'baseline an existing database')
          .example('$0 mark 20261128120000_create_example_collection --pending', 'forget it, so up runs it again'),
      handle<{ name: string; applied?: boolean; pending?: boolean }>(async (a, o) => (await import('./commands/mark.js')).mark(a, o)),
    )
    .command(
      'backups',
      'List the backups taken before destructive steps, with rows and size, each checked against its checksums',
      (y) =>
        y
          .option('verify', {
            type: 'boolean',
            default: true,
            describe: 'Re-read every backup and check its checksums (--no-verify skips it)',
          })
          .example('$0 backups --json', 'every backup, checked, as JSON'),
      handle<{ verify?: boolean }>(async (a, o) => (await import('./commands/backups.js')).backups(a, o)),
    )
    .command(
      'verify',
      'Prove the migrations on a throwaway Milvus: all up, all down, up again, comparing schemas',
      (y) =>
        targetOptions(y, false)
          .option('docker', { type: 'boolean', default: false, describe: 'Start a Milvus container for it (needs Docker)' })
          .option('strict', { type: 'boolean', default: false, describe: 'Fail (exit 2) when a migration is irreversible' })
          .example('$0 verify', 'in CI on every pull request: a down that does not undo its up exits 1')
          .example('$0 verify --address localhost:19530', 'in a throwaway database on that server (dropped afterwards)'),
      handle<{ docker?: boolean; strict?: boolean }>(async (a, o) => (await import('./commands/verify.js')).verify(a, o)),
    )
    .command(
      'diff',
      'Drift: compare the live schema with what the applied migrations (or a snapshot) say',
      (y) =>
        targetOptions(y, false)
          .option('against', {
            type: 'string',
            describe: 'Snapshot file to compare with, instead of the schema the applied migrations produce',
          })
          .option('replay', {
            type: 'boolean',
            default: false,
            describe: 'Compute the expected schema by applying the migrations on a throwaway Milvus, instead of folding their steps',
          })
          .option('docker', { type: 'boolean', default: false, describe: 'Replay on a Milvus container (needs Docker; implies --replay)' })
          .example('$0 diff --env production --json', 'exit 1 and list the differences when production drifted')
          .example('$0 diff --replay', 'check against a real replay on a throwaway Milvus')
          .example('$0 diff --against schema.yaml', 'compare with a snapshot file'),
      handle<{ against?: string; replay?: boolean; docker?: boolean }>(async (a, o) => (await import('./commands/diff.js')).diff(a, o)),
    )
    .command(
      'snapshot',
      'Write the live schema of the migrated database to a YAML file (stable, for reviews and diff --against)',
      (y) =>
        y
          .option('out', { type: 'string', describe: 'File to write (default: schema.yaml next to milvus.config.yaml)' })
          .example('$0 snapshot', 'after `up`, commit schema.yaml with the migration'),
      handle<{ out?: string }>(async (a, o) => (await import('./commands/snapshot.js')).snapshot(a, o)),
    )
    .command(
      'baseline',
      'Adopt a database built without milvus-migrate: one migration that re-creates it, schema.yaml, recorded as applied',
      (y) =>
        y
          .option('name', { type: 'string', default: 'baseline', describe: 'Name of the migration (after its timestamp)' })
          .option('out', { type: 'string', describe: 'Schema file to write (default: schema.yaml next to milvus.config.yaml)' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'Print the migration; write and record nothing' })
          .option('databases', {
            type: 'string',
            describe:
              'Other databases to re-create in the same migration (comma-separated), each with its schema.<db>.yaml; state stays in --database',
          })
          .example('$0 baseline --env production', 'adopt production as it is: nothing is run there')
          .example('$0 baseline --databases tenant_a,tenant_b', 'one migration that also creates and fills tenant_a and tenant_b')
          .example('$0 baseline --dry-run', 'see the migration first'),
      handle<{ name?: string; out?: string; dryRun?: boolean; databases?: string }>(async (a, o) =>
        (await import('./commands/baseline.js')).baseline(a, o),
      ),
    )
    .command(
      'generate <name>',
      'Write the migration that takes the schema the migrations produce to the one in schema.yaml',
      (y) =>
        y
          .positional('name', { type: 'string', demandOption: true, describe: 'What the migration does, e.g. "add lang field"' })
          .option('schema', { type: 'string', describe: 'Schema file to reach (default: schema.yaml next to milvus.config.yaml)' })
          .option('target-version', {
            type: 'string',
            describe:
              'Plan for this Milvus version (e.g. 2.6.0) instead of asking the server: what it changes in place, what needs a rebuild',
          })
          .option('dry-run', { type: 'boolean', default: false, describe: 'Print the migration instead of writing it' })
          .option('replay', {
            type: 'boolean',
            default: false,
            describe:
              'Compute the schema the migrations produce by applying them on a throwaway Milvus (automatic when one is code), instead of folding their steps',
          })
          .option('docker', { type: 'boolean', default: false, describe: 'Replay on a Milvus container (needs Docker; implies --replay)' })
          .example('$0 generate "longer titles"', 'after editing schema.yaml')
          .example('$0 generate "add lang" --dry-run --target-version 2.6.0', 'what production (2.6) would get, offline'),
      handle<{ name: string; schema?: string; targetVersion?: string; dryRun?: boolean; replay?: boolean; docker?: boolean }>(
        async (a, o) => (await import('./commands/generate.js')).generate(a, o),
      ),
    )
    .command(
      'lint',
      'Check migration files for likely mistakes, offline: backups, downs, aliases, indexes, batches, history (docs/lint.md)',
      (y) =>
        y
          .option('base', {
            type: 'string',
            describe: 'git ref of the base branch: flag migrations named before its newest, and edits of its files',
          })
          .option('format', {
            choices: ['text', 'json', 'sarif'] as const,
            default: 'text' as const,
            describe: 'Output: text, JSON (as --json), or SARIF 2.1.0 for code scanning',
          })
          .option('fail-on', {
            choices: ['error', 'warning'] as const,
            default: 'error' as const,
            describe: 'Exit 1 when a finding is at or above this severity',
          })
          .example('$0 lint', 'before committing a migration')
          .example('$0 lint --base origin/main --format sarif > lint.sarif', 'in a pull request, for GitHub code scanning'),
      handle<{ base?: string; format?: 'text' | 'json' | 'sarif'; failOn?: 'error' | 'warning' }>(async (a, o) =>
        (await import('./commands/lint.js')).lint(a, o),
      ),
    )
    .command(
      'dev [action]',
      'Start Embedded Milvus for this project and leave it running, so every command uses it (about a second); or stop it, or show it',
      (y) =>
        y
          .positional('action', {
            choices: ['start', 'stop', 'status'] as const,
            default: 'start' as const,
            describe:
              'start: leave it running (says so when it runs already); stop: SIGTERM, SIGKILL after --stop-timeout; status: address, pid, uptime, version',
          })
          .option('stop-timeout', { type: 'number', describe: 'dev stop: seconds to wait for a graceful stop before SIGKILL (default 30)' })
          .example('$0 dev start', 'then status, plan, up, ... take about a second each')
          .example('$0 dev status --json', 'address, pid, data folder, uptime and version')
          .example('$0 dev stop', 'stop it (its data stays in the data folder)'),
      handle<{ action?: 'start' | 'stop' | 'status'; stopTimeout?: number }>(async (a, o) => (await import('./commands/dev.js')).dev(a, o)),
    )
    .command(
      'cleanup',
      'Drop the old collections rebuilds kept for rollback (destructive)',
      (y) =>
        lockOptions(y)
          .option('dry-run', { type: 'boolean', default: false, describe: 'List what would be dropped; drop nothing' })
          .option('allow-destructive', {
            type: 'boolean',
            default: false,
            describe: 'Drop them (without it: list them and exit 4); down of a rebuild still applied becomes impossible',
          })
          .option('keep-latest', {
            type: 'boolean',
            default: false,
            describe: 'Keep the most recent old collection of each rebuilt collection',
          })
          .example('$0 cleanup', 'list the old collections and what dropping them costs (exit 4)')
          .example('$0 cleanup --allow-destructive --keep-latest', 'drop all but the last rollback point of each collection'),
      handle<{ dryRun?: boolean; allowDestructive?: boolean; keepLatest?: boolean; lockTimeout?: number }>(async (a, o) =>
        (await import('./commands/cleanup.js')).cleanup(a, o),
      ),
    )
    .command(
      'unlock',
      'Release the migration lock left by a dead run',
      (y) => y.example('$0 unlock', 'after a CI runner was killed while it held the lock'),
      handle(async (a, o) => (await import('./commands/unlock.js')).unlock(a, o)),
    )
    .demandCommand(1, 'Give a command; see --help.')
    .recommendCommands()
    .strict()
    .example('$0 init && $0 create "create docs collection"', 'start a project')
    .example('$0 plan && $0 up', 'see what would run, then run it')
    .example('$0 up --env production --allow-destructive --json', 'a CI deploy step')
    .epilog(EXAMPLES_EPILOG)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail(false)
    // yargs' own: `completion` prints a bash/zsh script that calls back with --get-yargs-completions.
    .completion(COMPLETION_COMMAND, 'Print a bash/zsh completion script: milvus-migrate completion >> ~/.bashrc (or ~/.zshrc)')
    .help()
    .alias('help', 'h')
    .version(TOOL_VERSION)
    .alias('version', ['v', 'V']);

  try {
    await parser.parseAsync();
  } catch (err) {
    // Handlers report their own errors, so anything here comes from yargs: bad usage.
    return report(output, new InvalidInputError(`${errorMessage(err)}\nRun \`milvus-migrate --help\` for usage.`));
  }
  return code;
}

function report(out: Output, err: unknown, command?: string): number {
  const code = err instanceof MigrateError ? exitCodeOf(err.kind) : EXIT.migrationFailed;
  if (out.json) out.document({ command: command ?? null, ok: false, exitCode: code, error: errorJson(err) } satisfies FailureDocument);
  out.log(errorText(out, err));
  if (!(err instanceof MigrateError) && out.verbose && err instanceof Error && err.stack) out.log(err.stack);
  return code;
}

function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return undefined;
  const a = argv[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}

/** Entry point of the `milvus-migrate` binary. */
export async function main(argv: readonly string[]): Promise<void> {
  // The SDK's background connect can reject unobserved; never let it print a stack with secrets.
  process.on('unhandledRejection', (reason) => {
    // --json promises one document on stdout, also when the process dies this way.
    const out = new Output(argv.includes('--json') && !Output.documentWritten, false, false);
    out.addSecrets([flagValue(argv, '--token'), process.env.MILVUS_TOKEN, process.env.MILVUS_PASSWORD]);
    // Classified as any other SDK failure: unreachable or refused credentials are exit 5.
    const address =
      flagValue(argv, '--address') ??
      flagValue(argv, '--uri') ??
      process.env.MILVUS_ADDRESS ??
      process.env.MILVUS_URI ??
      'the configured address';
    const code = report(out, toMilvusError('connect', reason, address), commandOf(argv) ?? undefined);
    process.stdout.write('', () => process.exit(code));
  });
  const code = await run(argv);
  // gRPC keeps sockets open for a while after close; do not wait for them.
  process.stdout.write('', () => process.exit(code));
}
