/**
 * What a rebuild's copy wrote, as its verification compares it: the digests its writer gave for
 * every page, added up per partition over the partition's key ranges.
 */
import { RowDigest } from '../../../copy/digest.js';
import type { SegmentCursor } from '../../../copy/engine.js';
import type { CopiedDigest } from '../../../copy/verify.js';
import type { Row } from '../../../milvus/reads/shape.js';

/**
 * Per partition (segment i of the copy is partition `i / ranges`): the sum of its ranges' digests
 * and rows left out; `undefined` for a partition a range of which wrote rows without a digest (a
 * run of an older version, or strategy import), which is then compared row by row.
 */
export function copiedByPartition(segments: readonly SegmentCursor[] | undefined, partitions: number): (CopiedDigest | undefined)[] {
  if (!segments?.length || segments.length % partitions !== 0) return [];
  const ranges = segments.length / partitions;
  return Array.from({ length: partitions }, (_, i) => {
    const mine = segments.slice(i * ranges, (i + 1) * ranges);
    if (mine.some((c) => c.copied > 0 && !c.digest)) return undefined;
    return {
      digest: mine.reduce((sum, c) => sum.plus(RowDigest.from(c.digest)), new RowDigest()).record(),
      left_out: mine.reduce((n, c) => n + (c.left_out ?? 0), 0),
    };
  });
}

/** A row of the new collection under the old names the recall probes use: the key and each measured vector field. */
export function probeView(pk: { old: string; new: string }, fields: readonly { field: string; newField: string }[]): (row: Row) => Row {
  return (row) => Object.fromEntries([[pk.old, row[pk.new]], ...fields.map((f) => [f.field, row[f.newField]])]);
}
