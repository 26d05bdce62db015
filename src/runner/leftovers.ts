import type { Milvus } from '../milvus/client.js';
import { collectionRows } from '../milvus/reads/lookups.js';
import { REBUILD_LEFTOVER } from '../schema/model.js';
import type { StateRow } from '../state/store.js';

/**
 * The old collections rebuilds by name keep aside (`<name>__mm_old_<hex>`) for rollback: `down`
 * of the rebuild renames them back. `status` lists them; `cleanup` drops them.
 */
export interface Leftover {
  readonly name: string;
  /** The collection it was rebuilt into: from the rebuild's state record, else from the name. */
  readonly rebuiltInto: string;
  /** The migration whose rebuild kept it, when a state row records it. */
  readonly migration: string | undefined;
  /** That migration is applied: its `down` renames this collection back, so dropping it makes that `down` impossible. */
  readonly neededByDown: boolean;
  /** When that migration ran (ISO), for `--keep-latest`. */
  readonly appliedAt: string | undefined;
}

export interface CountedLeftover extends Leftover {
  readonly rows: number;
  /** `false`: the collection is not loaded, so `rows` is Milvus' statistics (flushed rows only on 2.3). */
  readonly exact: boolean;
}

/** Which of `collections` rebuilds kept, joined with the state rows that recorded them (pure, for unit tests). */
export function leftoversOf(collections: readonly string[], rows: readonly StateRow[]): Leftover[] {
  const recorded = new Map<string, { row: StateRow; source: string }>();
  for (const row of rows)
    for (const r of Object.values(row.details.records ?? {}))
      // A rebuild's record (RebuildRecord): cut over by renaming `source` aside to `old`.
      if (r.kind === 'rename' && typeof r.old === 'string' && typeof r.source === 'string') recorded.set(r.old, { row, source: r.source });
  return collections
    .filter((name) => REBUILD_LEFTOVER.test(name))
    .sort()
    .map((name) => {
      const by = recorded.get(name);
      const applied = by?.row.status === 'applied' && by.row.details.direction !== 'down';
      return {
        name,
        rebuiltInto: by?.source ?? name.replace(REBUILD_LEFTOVER, ''),
        migration: by?.row.name,
        neededByDown: applied,
        appliedAt: by?.row.applied_at,
      };
    });
}

/**
 * The leftovers in `db` (the connection's database by default) with their rows: one
 * `showCollections`, then a load state and a count per leftover.
 */
export async function listLeftovers(milvus: Milvus, rows: readonly StateRow[], db = milvus.database): Promise<CountedLeftover[]> {
  const shown = await milvus.call('showCollections', { db_name: db } as never);
  const found = leftoversOf(
    shown.data.map((c) => c.name),
    rows,
  );
  return Promise.all(found.map(async (l) => ({ ...l, ...(await collectionRows(milvus, { collection_name: l.name, db_name: db })) })));
}

/** `--keep-latest`: of the leftovers of each collection, the most recent one (by its migration's time, else its name) is kept. */
export function droppable(
  leftovers: readonly CountedLeftover[],
  keepLatest: boolean,
): { drop: CountedLeftover[]; keep: CountedLeftover[] } {
  if (!keepLatest) return { drop: [...leftovers], keep: [] };
  const latest = new Map<string, CountedLeftover>();
  const key = (l: Leftover) => `${l.appliedAt ?? ''}\u0000${l.name}`;
  for (const l of leftovers) {
    const seen = latest.get(l.rebuiltInto);
    if (!seen || key(l) > key(seen)) latest.set(l.rebuiltInto, l);
  }
  const keep = new Set(latest.values());
  return { drop: leftovers.filter((l) => !keep.has(l)), keep: leftovers.filter((l) => keep.has(l)) };
}
