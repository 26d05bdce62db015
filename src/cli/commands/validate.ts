import type { ResolvedConfig } from '../../config/load.js';
import { InvalidInputError } from '../../errors.js';
import type { PoolResult, Target } from '../../fanout/index.js';
import type { Logger } from '../../logger.js';
import type { Milvus } from '../../milvus/client.js';
import type { Migration } from '../../migrations/model.js';
import { fanOutExitCode, fanOutJson, fanOutOptions, summaryText, targetExitCode, type FanOutArgs, type TargetReport } from '../fanout.js';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { loadSettings, withMilvus, type GlobalArgs } from '../session.js';

export interface ValidateArgs extends GlobalArgs, FanOutArgs {
  readonly offline?: boolean | undefined;
}

/**
 * `validate`: every file parses and validates; unless `--offline`, every applied migration's file
 * still has the checksum recorded when it ran. Read-only.
 */
export async function validate(args: ValidateArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  const { loadMigrations } = await import('../../migrations/load.js');
  const migrations = await loadMigrations(cfg.migrationsDir);
  if (args.targets !== undefined) {
    if (args.offline) throw new InvalidInputError('--offline checks the files only, once: it takes no --targets');
    return validateTargets(args, out, cfg, migrations);
  }
  if (!args.offline) await withMilvus(cfg, out, (milvus) => checkAgainstState(cfg, milvus, out.logger(), migrations));
  if (args.json) out.document(validateJson(migrations, Boolean(args.offline)));
  else
    out.result(
      `${out.colors.green('✔')} ${migrations.length} migration file${migrations.length === 1 ? '' : 's'} valid${args.offline ? ' (checksums not compared: --offline)' : ', applied checksums match'}.`,
    );
  return 0;
}

function validateJson(migrations: readonly Migration[], offline: boolean): JsonDocument<'validate'> {
  return {
    command: 'validate',
    ok: true,
    exitCode: 0,
    offline,
    migrations: migrations.map((m) => ({ name: m.name, format: m.format, checksum: m.checksum })),
  };
}

/**
 * The checksums of the applied migrations, then the pending ones against the live schema as `plan`
 * and `up` check them (a dry run: read-only). Throws {@link InvalidInputError} for either.
 */
async function checkAgainstState(cfg: ResolvedConfig, milvus: Milvus, logger: Logger, migrations: readonly Migration[]): Promise<void> {
  const { createMigrator } = await import('../../project.js');
  const migrator = createMigrator(cfg, milvus, { logger, migrations });
  const statuses = await migrator.status();
  const changed = statuses.filter((s) => s.status === 'changed').map((s) => s.name);
  if (changed.length) {
    throw new InvalidInputError(
      'Applied migrations were edited after they ran (their checksum no longer matches the state)',
      changed.map((name) => ({ file: migrations.find((m) => m.name === name)!.path, message: 'changed since it was applied' })),
      { hint: 'Restore the files, or write a new migration for the new change.' },
    );
  }
  const planned = await migrator.up({ dryRun: true, allowOutOfOrder: true });
  if (planned.error instanceof InvalidInputError) throw planned.error;
}

/** `validate --targets`: the files once, then every target's state and schema against them. */
async function validateTargets(args: ValidateArgs, out: Output, cfg: ResolvedConfig, migrations: readonly Migration[]): Promise<number> {
  const { fanOut } = await import('../../fanout/index.js');
  const report = (r: PoolResult<Target, unknown>): TargetReport => {
    const error = r.state === 'not-started' ? undefined : r.error;
    return { counts: null, document: r.state === 'succeeded' ? validateJson(migrations, false) : null, exitCode: targetExitCode(error) };
  };
  const opts = await fanOutOptions(args, cfg, out, report);
  const result = await fanOut({ ...opts, readOnly: true }, async ({ target, milvus, logger }) => {
    // An environment with a migrations folder of its own is checked against its own files.
    const own = target.config.migrationsDir === cfg.migrationsDir ? migrations : await loadFolder(target.config.migrationsDir);
    await checkAgainstState(target.config, milvus, logger, own);
    return {};
  });
  if (args.json) out.document(fanOutJson('validate', result, report));
  else out.result(summaryText(out, result, report));
  return fanOutExitCode(result, report);
}

async function loadFolder(dir: string): Promise<Migration[]> {
  const { loadMigrations } = await import('../../migrations/load.js');
  return loadMigrations(dir);
}
