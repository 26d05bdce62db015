import { InvalidInputError } from '../../errors.js';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { createMigrator, loadSettings, withMilvus, type GlobalArgs } from '../session.js';

export interface ValidateArgs extends GlobalArgs {
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
  if (!args.offline) {
    // One connection: the checksums of the applied migrations, then the pending ones against the
    // live schema as `plan` and `up` check them (a dry run: read-only).
    const { statuses, planned } = await withMilvus(cfg, out, async (milvus) => {
      const migrator = await createMigrator(cfg, milvus, out, false, { migrations });
      const statuses = await migrator.status();
      const planned = statuses.some((s) => s.status === 'changed') ? undefined : await migrator.up({ dryRun: true, allowOutOfOrder: true });
      return { statuses, planned };
    });
    const changed = statuses.filter((s) => s.status === 'changed').map((s) => s.name);
    if (changed.length) {
      throw new InvalidInputError(
        'Applied migrations were edited after they ran (their checksum no longer matches the state)',
        changed.map((name) => ({ file: migrations.find((m) => m.name === name)!.path, message: 'changed since it was applied' })),
        { hint: 'Restore the files, or write a new migration for the new change.' },
      );
    }
    if (planned?.error instanceof InvalidInputError) throw planned.error;
  }
  if (args.json)
    out.document({
      command: 'validate',
      ok: true,
      exitCode: 0,
      offline: Boolean(args.offline),
      migrations: migrations.map((m) => ({ name: m.name, format: m.format, checksum: m.checksum })),
    } satisfies JsonDocument<'validate'>);
  else
    out.result(
      `${out.colors.green('✔')} ${migrations.length} migration file${migrations.length === 1 ? '' : 's'} valid${args.offline ? ' (checksums not compared: --offline)' : ', applied checksums match'}.`,
    );
  return 0;
}
