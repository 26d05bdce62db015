import { DEFAULT_STATE_COLLECTION } from '../config/defaults.js';
import type { Milvus } from '../milvus/client.js';
import { loadSdk } from '../milvus/sdk.js';
import { waitForLoad } from '../milvus/wait.js';
import { MilvusCallError } from '../errors.js';
import type { StateRow, StateStore } from './store.js';

/** Milvus caps one query at 16,384 rows (offset + limit). */
const QUERY_LIMIT = 16_384;
const MAX_ERROR_LENGTH = 4_000;
const OUTPUT_FIELDS = [
  'name',
  'checksum',
  'status',
  'steps_done',
  'applied_at',
  'duration_ms',
  'applied_by',
  'tool_version',
  'last_error',
  'details',
];

/**
 * The state collection: one row per migration, primary key = migration name.
 * Milvus needs a vector field in every collection (2.3), so a 2-dim placeholder `_v` carries
 * zeros, with a FLAT index so the collection can be loaded and queried.
 */
export class MilvusStateStore implements StateStore {
  readonly location: string;
  /** Seen to exist and be loaded by the last {@link readAll} (or made so by {@link ensure}). */
  #ready = false;

  constructor(
    private readonly milvus: Milvus,
    readonly collection: string = DEFAULT_STATE_COLLECTION,
    private readonly database: string = milvus.database,
  ) {
    this.location = `collection ${collection} in database ${database}`;
  }

  private get target() {
    return { collection_name: this.collection, db_name: this.database };
  }

  async ensure(): Promise<void> {
    // readAll found it there and loaded (a run reads the state, then ensures it, right after).
    if (this.#ready) return;
    if (!(await this.exists())) {
      const { DataType } = await loadSdk();
      try {
        await this.milvus.call('createCollection', {
          ...this.target,
          description: 'milvus-migrate state: one row per migration',
          enable_dynamic_field: false,
          fields: [
            { name: 'name', data_type: DataType.VarChar, is_primary_key: true, max_length: 512 },
            { name: 'checksum', data_type: DataType.VarChar, max_length: 64 },
            { name: 'status', data_type: DataType.VarChar, max_length: 16 },
            { name: 'steps_done', data_type: DataType.Int64 },
            { name: 'applied_at', data_type: DataType.VarChar, max_length: 40 },
            { name: 'duration_ms', data_type: DataType.Int64 },
            { name: 'applied_by', data_type: DataType.VarChar, max_length: 512 },
            { name: 'tool_version', data_type: DataType.VarChar, max_length: 64 },
            { name: 'last_error', data_type: DataType.VarChar, max_length: MAX_ERROR_LENGTH * 4 },
            { name: 'details', data_type: DataType.JSON },
            { name: '_v', data_type: DataType.FloatVector, dim: 2 },
          ],
        } as never);
      } catch (err) {
        // Another run may have created it between our check and our create: Milvus answers
        // success for an identical schema, but check again in case it raced differently.
        if (!(await this.exists())) throw err;
      }
    }
    await this.#ensureLoaded();
  }

  async #ensureLoaded(): Promise<void> {
    const state = String((await this.milvus.call('getLoadState', this.target)).state);
    if (state === 'LoadStateLoaded') {
      this.#ready = true;
      return;
    }
    if (state === 'LoadStateNotLoad') {
      // Creating the same index again is accepted by Milvus, so concurrent first runs are fine.
      await this.milvus.call('createIndex', { ...this.target, field_name: '_v', index_type: 'FLAT', metric_type: 'L2' });
      await this.milvus.call('loadCollectionAsync', this.target);
    }
    await waitForLoad(this.milvus, this.target);
    this.#ready = true;
  }

  private async exists(): Promise<boolean> {
    return Boolean((await this.milvus.call('hasCollection', this.target)).value);
  }

  async readAll(): Promise<StateRow[]> {
    this.#ready = false;
    if (!(await this.exists())) return [];
    // A restarted Milvus (the embedded one after every command) may come back with the state
    // collection released or still loading; loading our own bookkeeping collection changes no
    // user data, so read-only commands do it too.
    await this.#ensureLoaded();
    const res = await this.milvus.call('query', {
      ...this.target,
      filter: 'name != ""',
      output_fields: OUTPUT_FIELDS,
      limit: QUERY_LIMIT,
      consistency_level: 'Strong',
    } as never);
    if (res.data.length >= QUERY_LIMIT) {
      throw new MilvusCallError('query', `the state holds ${QUERY_LIMIT} or more migrations, more than this version reads`);
    }
    return res.data.map((r) => fromRow(r as Record<string, unknown>)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async put(row: StateRow): Promise<void> {
    await this.putAll([row]);
  }

  async putAll(rows: readonly StateRow[]): Promise<void> {
    await this.milvus.call('upsert', { ...this.target, data: rows.map(toRow) } as never);
  }

  async remove(name: string): Promise<void> {
    await this.milvus.call('delete', { ...this.target, filter: `name in [${JSON.stringify(name)}]` } as never);
  }
}

function toRow(r: StateRow): Record<string, unknown> {
  return {
    ...r,
    last_error: r.last_error.length > MAX_ERROR_LENGTH ? `${r.last_error.slice(0, MAX_ERROR_LENGTH)}…` : r.last_error,
    details: r.details,
    _v: [0, 0],
  };
}

function fromRow(r: Record<string, unknown>): StateRow {
  const details =
    typeof r.details === 'string' ? (JSON.parse(r.details) as StateRow['details']) : ((r.details ?? {}) as StateRow['details']);
  return {
    name: String(r.name),
    checksum: String(r.checksum ?? ''),
    status: r.status === 'applied' ? 'applied' : 'failed',
    steps_done: Number(r.steps_done ?? 0),
    applied_at: String(r.applied_at ?? ''),
    duration_ms: Number(r.duration_ms ?? 0),
    applied_by: String(r.applied_by ?? ''),
    tool_version: String(r.tool_version ?? ''),
    last_error: String(r.last_error ?? ''),
    details,
  };
}
