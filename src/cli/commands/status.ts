import type { Output } from '../output.js';
import { createMigrator, loadSettings, withMilvus, type GlobalArgs } from '../session.js';
import { statusJson, statusText } from '../render.js';

/** `status`: every migration with its state. Read-only: creates nothing in Milvus. */
export async function status(args: GlobalArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  const { statuses, address } = await withMilvus(cfg, out, async (milvus) => {
    const migrator = await createMigrator(cfg, milvus, out, false);
    return { statuses: await migrator.status(), address: milvus.address };
  });
  const where = { migrationsDir: cfg.migrationsDir, state: `collection ${cfg.stateCollection} in database ${cfg.database}`, address };
  if (args.json) out.document(statusJson(statuses, where));
  else out.result(statusText(out, statuses, where));
  return 0;
}
