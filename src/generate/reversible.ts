/**
 * Whether the derived `down` of each generated step gives the schema back, from what each step's
 * inverse is known to do (pure).
 *
 * Why per-step knowledge and not a fold of the derived down: the inverses that matter here
 * (restoreBackup) are only known once `up` has run (the backup's path and checksum are recorded
 * then), so before it runs they cannot be folded. For the same reason an explicit `down:` cannot
 * replace the derived one where a backup is involved: it would have to name a backup that does
 * not exist yet, and a migration with its own `down:` never runs the derived restore.
 */
import type { GeneratedStep } from './types.js';

/**
 * What the derived down of `s` would not restore, or undefined when it restores the schema. A
 * backed-up dropCollection restores it whole: its backup holds rows, schema, indexes, partitions,
 * aliases, load state and properties.
 */
export function downGap(s: GeneratedStep): string | undefined {
  const p = s.call.params as { collection_name?: string; field_name?: string; backup?: boolean };
  if (s.call.step === 'dropCollectionField')
    return `IRREVERSIBLE on purpose: the values of ${p.field_name} in ${p.collection_name} are gone once dropped (no backup is taken), so down refuses`;
  if (s.call.step === 'dropCollection' && !p.backup)
    return `IRREVERSIBLE: without backup: true the rows of ${p.collection_name} are gone, so down refuses`;
  return undefined;
}

/** The steps of `up` with what their down would not restore attached. */
export function withDownGaps(up: readonly GeneratedStep[]): GeneratedStep[] {
  return up.map((s) => {
    const gap = downGap(s);
    return gap ? { ...s, downGap: gap } : s;
  });
}
