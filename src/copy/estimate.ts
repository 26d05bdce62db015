/**
 * What a copy will move and how long it should take, for the plan: bytes from a sample of rows
 * (their values' sizes as Milvus stores them), time from a throughput measured on the project's
 * test server. A cluster's differs (more query and data nodes, a network between): the plan says
 * which rate it assumed.
 */
import type { Milvus } from '../milvus/client.js';
import type { ReadTarget } from '../milvus/reads/paging.js';
import type { CollectionShape, Row } from '../milvus/reads/shape.js';

/**
 * Bytes of rows per second one copy stream moves, on Embedded Milvus 2.3.5 on this project's
 * 2-core machine, batches of 1,000: a rebuild's copy of 100,000 rows of 128-dim vectors (~530
 * bytes a row) took 8.6 s (about 11,600 rows/s; bench P5 on a quiet machine, with the lean gRPC
 * interceptor of `milvus/transport.ts`). Under the load of several test suites at once the bench
 * has measured ten times less: the plan says which rate it assumed.
 */
export const MEASURED_COPY_BYTES_PER_SECOND = 6_000_000;

/** Rows read to estimate the size of a row. */
export const SIZE_SAMPLE_ROWS = 100;

/** Bytes a value takes as Milvus stores it (vectors 4 bytes a float, 1 bit a binary dimension; text as UTF-8). */
export function valueBytes(dataType: string | undefined, v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (dataType === 'BinaryVector' && Array.isArray(v)) return v.length;
  if ((dataType === 'Float16Vector' || dataType === 'BFloat16Vector') && Array.isArray(v)) return v.length * 2;
  if (Array.isArray(v)) return v.length * 4;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (typeof v === 'number' || typeof v === 'bigint') return dataType === 'Int8' || dataType === 'Bool' ? 1 : 8;
  if (typeof v === 'boolean') return 1;
  return Buffer.byteLength(JSON.stringify(v));
}

/** Average bytes of a row of `t`, from up to {@link SIZE_SAMPLE_ROWS} rows (0 for an empty collection). */
export async function averageRowBytes(milvus: Pick<Milvus, 'call'>, t: ReadTarget, shape: CollectionShape): Promise<number> {
  const res = await milvus.call('query', {
    ...t,
    filter: '',
    output_fields: ['*'],
    limit: SIZE_SAMPLE_ROWS,
    consistency_level: 'Bounded',
  } as never);
  const sample = res.data as Row[];
  if (!sample.length) return 0;
  const total = sample.reduce(
    (n, row) => n + Object.entries(row).reduce((m, [k, v]) => m + valueBytes(shape.byName.get(k)?.dataType, v), 0),
    0,
  );
  return total / sample.length;
}

/** `1.2 MB`, `340 KB`. */
export function bytesText(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(n) : n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

/** `45 s`, `12 min`, `3.5 h`. */
export function durationText(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** About how many bytes a read page of {@link readPageRows} holds: few round trips, a page well under Milvus' 100 MB result cap. */
export const READ_PAGE_BYTES = 4 * 1024 * 1024;

/** Bytes at most a value of a fixed-width field takes; `undefined` for a field of unbounded size (JSON, Array). */
function widestBytes(f: CollectionShape['fields'][number]): number | undefined {
  switch (f.dataType) {
    case 'FloatVector':
      return (f.dim ?? 0) * 4;
    case 'Float16Vector':
    case 'BFloat16Vector':
      return (f.dim ?? 0) * 2;
    case 'BinaryVector':
      return Math.ceil((f.dim ?? 0) / 8);
    case 'VarChar':
      return f.maxLength === undefined ? undefined : f.maxLength * 4;
    case 'Bool':
    case 'Int8':
      return 1;
    case 'Int16':
    case 'Int32':
    case 'Int64':
    case 'Float':
    case 'Double':
      return 8;
    default:
      return undefined;
  }
}

/**
 * Rows in a page of a read that only looks at each row once (the verification reading the new
 * collection back): as many as fit in {@link READ_PAGE_BYTES} at the widest each field can be,
 * between `batchSize` and `max`. Each query costs the server a fixed ~10 ms besides its rows, so
 * 4 MB pages spare most of those. A collection with fields of unbounded size (JSON, arrays, a
 * dynamic field) reads `batchSize` rows a page, as the user asked.
 */
export function readPageRows(shape: CollectionShape, batchSize: number, max: number): number {
  if (shape.dynamic) return batchSize;
  let bytes = 0;
  for (const f of shape.fields) {
    const w = widestBytes(f);
    if (w === undefined) return batchSize;
    bytes += w;
  }
  return Math.max(batchSize, Math.min(max, Math.floor(READ_PAGE_BYTES / Math.max(1, bytes))));
}
