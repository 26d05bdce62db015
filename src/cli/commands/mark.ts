import { InvalidInputError } from '../../errors.js';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { createLock, loadSettings, withMilvus, type GlobalArgs } from '../session.js';

export interface MarkArgs extends GlobalArgs {
  readonly name: string;
  readonly applied?: boolean | undefined;
  readonly pending?: boolean | undefined;
}

/** `mark <name> --applied | --pending`: repair or baseline the state without running any step. */
export async function mark(args: MarkArgs, out: Output): Promise<number> {
  if (Boolean(args.applied) === Boolean(args.pending)) throw new InvalidInputError('mark needs exactly one of --applied or --pending');
  const cfg = await loadSettings(args, out);
  const [{ loadMigrations }, { MilvusStateStore }, { whoAmI }, { TOOL_VERSION }] = await Promise.all([
    import('../../migrations/load.js'),
    import('../../state/milvus-store.js'),
    import('../../runner/execute.js'),
    import('../../version.js'),
  ]);
  const migrations = await loadMigrations(cfg.migrationsDir);
  const m = migrations.find((x) => x.name === args.name);
  if (args.applied && !m) throw new InvalidInputError(`no migration named ${args.name} in ${cfg.migrationsDir}`);
  await withMilvus(cfg, out, async (milvus) => {
    const store = new MilvusStateStore(milvus, cfg.stateCollection, cfg.database);
    const lock = await createLock(cfg, milvus, out);
    await lock.acquire();
    try {
      await write(store);
    } finally {
      await lock.release();
    }
  });

  async function write(store: InstanceType<typeof MilvusStateStore>) {
    if (m && args.applied) {
      await store.ensure();
      await store.put({
        name: m.name,
        checksum: m.checksum,
        status: 'applied',
        steps_done: m.up.kind === 'steps' ? m.up.steps.length : 0,
        applied_at: new Date().toISOString(),
        duration_ms: 0,
        applied_by: whoAmI(),
        tool_version: TOOL_VERSION,
        last_error: '',
        details: { direction: 'up', marked: true },
      });
    } else {
      const rows = await store.readAll();
      if (!rows.some((r) => r.name === args.name)) throw new InvalidInputError(`${args.name} has no state to remove: it is already pending`);
      await store.remove(args.name);
    }
  }
  const state = args.applied ? 'applied' : 'pending';
  if (args.json) out.document({ command: 'mark', ok: true, exitCode: 0, name: args.name, status: state } satisfies JsonDocument<'mark'>);
  else out.result(`${out.colors.green('✔')} ${args.name} marked ${state} (no step was run).`);
  return 0;
}
