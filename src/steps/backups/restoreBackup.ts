import { resolve } from 'node:path';
import * as z from 'zod';
import { backupPathProblem, type BackupManifest, type BackupRecord } from '../../backup/format.js';
import type { CollectionSchema, FieldSchema } from '../../schema/model.js';
import { verifyBackup } from '../../backup/manifest.js';
import { restoreBackup as restore } from '../../backup/restore.js';
import { rows } from '../../milvus/reads/lookups.js';
import { collectionOf, putCollection } from '../../schema/plan-model.js';
import { needCollection } from '../expect.js';
import { dbOf, qualified } from '../../milvus/reads/names.js';
import { collectionTarget, milvusName } from '../params.js';
import { defineStep, oneCollection, type InverseResult, callOf } from '../types.js';

const params = z
  .object({
    ...collectionTarget,
    partition_name: milvusName.optional(),
    /** Folder of the backup, relative to the backup dir: `<migration>/<backup>`. */
    path: z.string({ error: 'must be a backup folder, relative to the backup dir' }).superRefine((path, ctx) => {
      const problem = backupPathProblem(path);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    /** sha256 of the backup's rows, as recorded when it was taken: a different backup is refused. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a sha256 (64 hex digits)' }),
    /** Rows in the backup, for plans. */
    rows: z.number().int().nonnegative().optional(),
  })
  .strict();

/**
 * Puts back what a backed-up dropPartition, dropCollection or delete removed: the derived `down`
 * of such a step. The backup is verified (manifest and checksums) before anything runs, so a
 * damaged backup makes the whole `down` refuse (exit 2) with Milvus untouched.
 */
export const restoreBackup = defineStep({
  name: 'restoreBackup',
  params,
  destructive: false,
  touches: (p) => oneCollection(p),
  describe: (p) =>
    `restore ${p.rows !== undefined ? rows(p.rows) : 'the rows'} of ${qualified(p)}${p.partition_name ? ` partition ${p.partition_name}` : ''} from backup ${p.path}`,
  async expect(ctx, p) {
    if (!ctx.backupDir) return ['no backup folder is configured for this run'];
    const check = await verifyBackup(resolve(ctx.backupDir, p.path), p.sha256);
    if (!check.ok) return [`backup ${p.path} cannot be restored: ${check.problem}`];
    const m = check.manifest;
    const target = { collection_name: m.collection, ...(m.database ? { db_name: m.database } : {}) };
    // The restore goes where the backup came from: a step naming another place would say one
    // thing in the plan and do another.
    if (qualified(target) !== qualified(p) || m.partition !== p.partition_name) {
      const from = `${qualified(target)}${m.partition ? ` partition ${m.partition}` : ''}`;
      return [
        `backup ${p.path} holds rows of ${from}, not of ${qualified(p)}${p.partition_name ? ` partition ${p.partition_name}` : ''}: name what the backup holds`,
      ];
    }
    if (m.kind === 'collection') {
      // Later steps of the plan (e.g. createAlias) see the collection this step re-creates: known
      // from the backup's manifest only, so this check also applies the step's effect.
      if (!collectionOf(ctx.model, target)) putCollection(ctx.model, target.db_name, target.collection_name, fromManifest(m));
      return [];
    }
    if (needCollection(ctx.model, target).problems.length) {
      return [`backup ${p.path} holds rows of collection ${qualified(target)}, which does not exist: re-create it first`];
    }
    return [];
  },
  effect(model, p) {
    // A restored partition is created again if it is gone.
    const c = collectionOf(model, p);
    if (c && p.partition_name && !c.partitions.includes(p.partition_name)) c.partitions = [...c.partitions, p.partition_name].sort();
  },
  async run(ctx, p) {
    return restore(ctx, p);
  },
  // Restoring adds rows back; undoing it is dropping them again, which is the up's business.
  inverse: () => ({ steps: [] }),
});

/** The inverse of a backed-up step: restore its backup. */
export function restoreFrom(
  p: { collection_name: string; db_name?: string | undefined; partition_name?: string | undefined },
  backup: BackupRecord,
): InverseResult {
  return {
    steps: [
      callOf(restoreBackup, {
        collection_name: p.collection_name,
        ...dbOf(p),
        ...(p.partition_name ? { partition_name: p.partition_name } : {}),
        path: backup.path,
        sha256: backup.sha256,
        rows: backup.rows,
      }),
    ],
    note: `restores ${rows(backup.rows)} from backup ${backup.path}`,
  };
}

/** The collection a collection backup re-creates, as the schema model holds it. */
function fromManifest(m: BackupManifest): CollectionSchema {
  const fields = m.schema.fields.map((f) => {
    const out: FieldSchema = { name: f.name, data_type: f.data_type };
    if (f.is_primary_key) out.is_primary_key = true;
    if (f.autoID) out.autoID = true;
    for (const key of ['dim', 'max_length', 'max_capacity'] as const) if (f[key] !== undefined) out[key] = f[key];
    if (f.element_type && f.element_type !== 'None') out.element_type = f.element_type;
    if (f.nullable) out.nullable = true;
    if (f.is_partition_key) out.is_partition_key = true;
    return out;
  });
  const partitions = new Set(['_default', ...m.segments.flatMap((s) => (s.partition ? [s.partition] : []))]);
  const indexes = Object.fromEntries(
    m.indexes.map((ix) => [ix.index_name ?? ix.field_name, { field_name: ix.field_name, index_type: ix.index_type ?? 'AUTOINDEX' }]),
  );
  return {
    ...(m.schema.enable_dynamic_field ? { enable_dynamic_field: true as const } : {}),
    consistency_level: m.schema.consistency_level ?? 'Bounded',
    fields,
    partitions: [...partitions].sort(),
    indexes,
    ...(m.properties && Object.keys(m.properties).length ? { properties: { ...m.properties } } : {}),
    load_state: m.loaded ? 'loaded' : 'released',
  };
}
