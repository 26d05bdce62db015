/**
 * Steps that need a newer Milvus than the server, run through the real CLI: each is refused by
 * the preflight with exit 2 before anything changes, the message naming the step, the version it
 * needs and the version found; Milvus is checked afterwards with the SDK. On a server new enough
 * (`MILVUS_ADDRESS` of a 2.5+, 2.6.2+ or 3.0+ server) each case is skipped, naming what it needs:
 * their requests are pinned by test/unit/steps/gated-steps.test.ts instead.
 */
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';
import { serverAtLeast, serverVersion, testAddress, uniqueName } from '../support/milvus.js';
import { createCollectionWithSdk, hasCollection } from '../support/sdk.js';

const t = useMilvusTest();

/** What the SDK reports of a collection: fields with their max_length, dynamic field, properties. */
async function shapeOf(c: string) {
  const d = await t.client.describeCollection({ collection_name: c });
  return {
    fields: d.schema.fields.map((f) => `${f.name}:${f.data_type}${f.type_params.find((p) => p.key === 'max_length')?.value ?? ''}`),
    dynamic: d.schema.enable_dynamic_field,
    properties: d.properties.map((p) => `${p.key}=${String(p.value)}`),
  };
}

const CASES: readonly { step: string; needs: string; yaml: (c: string, other: string) => string }[] = [
  {
    step: 'alterCollectionFieldProperties',
    needs: '2.5.2',
    yaml: (c) => `  - alterCollectionFieldProperties: { collection_name: ${c}, field_name: title, properties: { max_length: 512 } }\n`,
  },
  {
    step: 'alterCollectionFieldProperties',
    needs: '2.5.0',
    yaml: (c) => `  - alterCollectionFieldProperties: { collection_name: ${c}, field_name: title, properties: { mmap.enabled: true } }\n`,
  },
  { step: 'dropCollectionField', needs: '3.0.0', yaml: (c) => `  - dropCollectionField: { collection_name: ${c}, field_name: title }\n` },
  {
    step: 'alterCollectionProperties',
    needs: '2.6.2',
    yaml: (c) => `  - alterCollectionProperties: { collection_name: ${c}, properties: { dynamicfield.enabled: true } }\n`,
  },
  {
    step: 'createCollection',
    needs: '2.5.0',
    yaml: (_c, other) => `  - createCollection:
      collection_name: ${other}
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: text, data_type: VarChar, max_length: 200, enable_analyzer: true }
        - { name: sparse, data_type: SparseFloatVector }
      functions:
        - { name: text_bm25, type: BM25, input_field_names: [text], output_field_names: [sparse] }
`,
  },
];

describe('version-gated steps', () => {
  for (const { step, needs, yaml } of CASES) {
    it.skipIf(serverAtLeast(needs))(
      `${step} is refused with exit 2 before anything changes, naming Milvus ${needs} (needs a server older than ${needs})`,
      async () => {
        const c = uniqueName('gated');
        const other = uniqueName('gated_new');
        await createCollectionWithSdk(t.client, c, {
          fields: [
            { name: 'id', data_type: 'Int64', is_primary_key: true },
            { name: 'title', data_type: 'VarChar', max_length: 64 },
            { name: 'v', data_type: 'FloatVector', dim: 2 },
          ],
        });
        const before = await shapeOf(c);
        const p = await t.project();
        // A first step that would change Milvus, so "nothing changed" means the gated step was refused up front.
        await p.write('001_gated.yaml', `up:\n  - createPartition: { collection_name: ${c}, partition_name: first }\n${yaml(c, other)}`);
        const res = await p.cli(['up', '--allow-destructive']);
        expect(res.code, res.stderr).toBe(2);
        expect(res.stderr).toContain('The plan cannot run on this Milvus; nothing was changed');
        expect(res.stderr).toContain(
          `up[1].${step}: ${step} needs Milvus ${needs} or newer; the server at ${testAddress()} is ${serverVersion()}`,
        );
        expect(await shapeOf(c)).toEqual(before);
        expect((await t.client.showPartitions({ collection_name: c })).partition_names).toEqual(['_default']);
        expect(await hasCollection(t.client, other)).toBe(false);
        expect(await hasCollection(t.client, p.stateCollection)).toBe(false);
      },
    );
  }
});
