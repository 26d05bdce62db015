import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { leftoverJson, leftoverLines } from '../render.js';
import { createLock, createMigrator, loadSettings, withMilvus, type GlobalArgs } from '../session.js';
import { EXIT } from '../exit-codes.js';
import { recordedRows } from './status.js';
import type { CountedLeftover } from '../../runner/leftovers.js';

export interface CleanupArgs extends GlobalArgs {
  readonly dryRun?: boolean | undefined;
  readonly allowDestructive?: boolean | undefined;
  readonly keepLatest?: boolean | undefined;
  readonly lockTimeout?: number | undefined;
}

/**
 * `cleanup`: drops the old collections rebuilds kept for rollback. Destructive (their rows go, and
 * `down` of a rebuild still applied can no longer cut back), so it needs `--allow-destructive`:
 * without it the leftovers are listed and the command exits 4. Holds the run lock like `up`, so it
 * never drops a collection under a rebuild that is running. The state is left as it is: `down` of
 * such a migration then fails at its first rename, naming the missing collection.
 */
export async function cleanup(args: CleanupArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out, { allowDestructive: args.allowDestructive ?? false });
  const dryRun = Boolean(args.dryRun);
  const result = await withMilvus(cfg, out, async (milvus) => {
    const lock = await createLock(cfg, milvus, out, args.lockTimeout);
    await lock.acquire();
    try {
      const { listLeftovers, droppable } = await import('../../runner/leftovers.js');
      const statuses = await (await createMigrator(cfg, milvus, out, false)).status();
      const { drop, keep } = droppable(await listLeftovers(milvus, recordedRows(statuses)), Boolean(args.keepLatest));
      const dropped: string[] = [];
      const refused = !dryRun && drop.length > 0 && !cfg.allowDestructive;
      if (!dryRun && !refused)
        for (const l of drop) {
          out.logger().info(`dropping ${l.name}`);
          await milvus.call('dropCollection', { collection_name: l.name, db_name: milvus.database } as never);
          dropped.push(l.name);
        }
      return { drop, keep, dropped, refused };
    } finally {
      await lock.release();
    }
  });
  const exitCode = result.refused ? EXIT.destructiveRefused : 0;
  const message = result.refused ? refusal(result.drop) : undefined;
  if (args.json)
    out.document({
      command: 'cleanup',
      ok: exitCode === 0,
      exitCode,
      dryRun,
      allowDestructive: cfg.allowDestructive,
      toDrop: result.drop.map(leftoverJson),
      kept: result.keep.map(leftoverJson),
      dropped: result.dropped,
      error: message ? { kind: 'destructive-refused', message } : null,
    } satisfies JsonDocument<'cleanup'>);
  else out.result(cleanupText(out, result, dryRun, message));
  return exitCode;
}

function refusal(drop: readonly CountedLeftover[]): string {
  const downs = drop.filter((l) => l.neededByDown).map((l) => l.migration);
  const why = downs.length ? `; down of ${downs.join(', ')} becomes impossible` : '';
  return `cleanup drops ${drop.length} collection${drop.length === 1 ? '' : 's'} with their rows${why}: rerun with --allow-destructive`;
}

function cleanupText(
  out: Output,
  r: { drop: CountedLeftover[]; keep: CountedLeftover[]; dropped: string[] },
  dryRun: boolean,
  message: string | undefined,
): string {
  if (!r.drop.length && !r.keep.length) return 'No old collections kept by rebuilds: nothing to clean up.';
  const lines: string[] = [];
  if (r.drop.length)
    lines.push(r.dropped.length ? 'Dropped:' : dryRun ? 'Would drop (dry run):' : 'Would drop:', ...leftoverLines(out, r.drop));
  if (r.keep.length) lines.push('Kept (--keep-latest):', ...leftoverLines(out, r.keep));
  if (message) lines.push(out.colors.red(`${message} (exit 4)`));
  return lines.join('\n');
}
