/** A generated migration as the YAML file a reviewer reads: a comment above each step, destructive ones marked. */
import { Document, isMap, isSeq, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import type { GeneratedMigration, GeneratedStep } from './types.js';

/** Param lists whose items read best on one line each (`- { name: id, data_type: Int64 }`). */
const ONE_LINE_ITEMS = new Set(['fields', 'index_params', 'add_fields']);

/** The text of the migration file; `header` (comment lines) goes first. */
export function migrationYaml(m: GeneratedMigration, header: string): string {
  const body: Record<string, unknown> = { description: m.description, up: m.up.map(stepValue) };
  if (m.down) body.down = m.down.map(stepValue);
  const doc = new Document(body);
  comment(doc.get('up', true) as YAMLSeq, m.up);
  if (m.down) {
    const down = doc.get('down', true) as YAMLSeq;
    down.spaceBefore = true;
    down.commentBefore = ' Written out: the derived down would not restore the schema.';
    comment(down, m.down);
  }
  return header + doc.toString({ lineWidth: 0, indent: 2, flowCollectionPadding: true });
}

function stepValue(s: GeneratedStep): Record<string, unknown> {
  return { [s.call.step]: s.todo ? { TODO: s.todo, ...s.call.params } : s.call.params };
}

function comment(seq: YAMLSeq, steps: readonly GeneratedStep[]): void {
  seq.items.forEach((item, i) => {
    const s = steps[i]!;
    const lines = [
      ...(s.destructive ? ['DESTRUCTIVE: deletes data; `up` needs --allow-destructive'] : []),
      ...s.why.split('\n'),
      ...(s.downGap ? [s.downGap] : []),
      ...(s.todo ? ['TODO: fill in what the TODO param says, then remove that line (the file does not validate until then)'] : []),
    ];
    const node = item as YAMLMap;
    node.commentBefore = lines.map((l) => ` ${l}`).join('\n');
    if (i > 0) node.spaceBefore = true;
    const params = node.items[0]!.value as Node;
    style(params);
  });
}

/** Short maps of scalars on one line; lists of fields and indexes one item per line. */
function style(node: Node, key?: string): void {
  if (isMap(node)) {
    const scalars = node.items.every((p) => !isMap(p.value) && !isSeq(p.value));
    if (scalars && (key !== undefined || node.items.length <= 4) && String(node).length < 100) node.flow = true;
    for (const p of node.items) if (isMap(p.value) || isSeq(p.value)) style(p.value as Node, String(p.key));
  } else if (isSeq(node)) {
    for (const item of node.items) {
      if (isMap(item) && key !== undefined && ONE_LINE_ITEMS.has(key)) {
        item.flow = true;
        for (const p of item.items) if (isMap(p.value)) (p.value as YAMLMap).flow = true;
      } else if (isMap(item) || isSeq(item)) style(item as Node, key);
    }
  }
}
