import { InvalidInputError } from '../../errors.js';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { createMigrator, loadSettings, withMilvus, type GlobalArgs } from '../session.js';

export interface MarkArgs extends GlobalArgs {
  readonly name: string;
  readonly applied?: boolean | undefined;
  readonly pending?: boolean | undefined;
}

/** `mark <name> --applied | --pending`: repair or baseline the state without running any step. */
export async function mark(args: MarkArgs, out: Output): Promise<number> {
  if (Boolean(args.applied) === Boolean(args.pending)) throw new InvalidInputError('mark needs exactly one of --applied or --pending');
  const cfg = await loadSettings(args, out);
  const { loadMigrations } = await import('../../migrations/load.js');
  // Invalid files, or an unknown name to mark applied, are reported before Milvus is reached.
  const migrations = await loadMigrations(cfg.migrationsDir);
  if (args.applied && !migrations.some((m) => m.name === args.name)) {
    throw new InvalidInputError(`no migration named ${args.name} in ${cfg.migrationsDir}`);
  }
  const status = args.applied ? 'applied' : 'pending';
  const result = await withMilvus(cfg, out, async (milvus) =>
    (await createMigrator(cfg, milvus, out, false, { migrations })).mark(args.name, status),
  );
  if (result.error) throw result.error;
  if (args.json) out.document({ command: 'mark', ok: true, exitCode: 0, name: args.name, status } satisfies JsonDocument<'mark'>);
  else out.result(`${out.colors.green('✔')} ${args.name} marked ${status} (no step was run).`);
  return 0;
}
