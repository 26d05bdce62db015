import { describe, expect, it } from 'vitest';
import { parseYamlMigration } from '../../../src/migrations/yaml.js';
import { STEP_NAMES } from '../../../src/steps/catalogue.js';

const parse = (text: string) => parseYamlMigration('m.yaml', text);
/** Problems as `line:col path: message`, with the (growing) list of step names shown as <steps>. */
const problems = (text: string) =>
  parse(text).problems.map((p) => `${p.line}:${p.column} ${p.path ?? ''}: ${p.message}`.replace(STEP_NAMES.join(', '), '<steps>'));

describe('parseYamlMigration', () => {
  it('parses the contract example, with defaults left out and the line of each step', () => {
    const res = parse(`description: Drop the obsolete example partition and all data in it
up:
  - dropPartition:
      collection_name: example_collection
      partition_name: example_partition
down:
  - createPartition:
      collection_name: example_collection
      partition_name: example_partition
`);
    expect(res.problems).toEqual([]);
    expect(res.migration).toEqual({
      description: 'Drop the obsolete example partition and all data in it',
      up: {
        kind: 'steps',
        steps: [{ step: 'dropPartition', params: { collection_name: 'example_collection', partition_name: 'example_partition' }, line: 3 }],
      },
      down: {
        kind: 'steps',
        steps: [
          { step: 'createPartition', params: { collection_name: 'example_collection', partition_name: 'example_partition' }, line: 7 },
        ],
      },
    });
  });

  it('a folded description (description: >) keeps no line break at its end (plan tables showed it as <br>)', () => {
    const res = parse(
      'description: >\n  Two lines\n  folded into one.\nup:\n  - createPartition: { collection_name: c, partition_name: p }\n',
    );
    expect(res.migration?.description).toBe('Two lines folded into one.');
  });

  it('reports every problem with line, column, path and what is allowed', () => {
    expect(
      problems(`descripton: x
up:
  - dropPartiton: { collection_name: c, partition_name: p }
  - createPartition: { collection_name: c }
  - createPartition: { collection_name: c, partition_name: p, colour: red }
  - dropPartition: { collection_name: 1c, partition_name: _default }
  - {}
  - loadPartitions: { collection_name: c, partition_names: [] }
`),
    ).toMatchInlineSnapshot(`
      [
        "1:1 descripton: unknown key "descripton"; did you mean "description"? (allowed: description, up, down)",
        "3:5 up[0]: unknown step "dropPartiton"; did you mean "dropPartition"? (allowed: <steps>)",
        "4:22 up[1].createPartition.partition_name: missing required param partition_name",
        "5:71 up[2].createPartition.colour: unknown param of createPartition "colour" (allowed: collection_name, db_name, partition_name)",
        "6:39 up[3].dropPartition.collection_name: invalid Milvus name "1c": use letters, digits and underscores, starting with a letter or underscore (at most 255 characters)",
        "7:5 up[4]: a step is a map with exactly one key, the step name (one of: <steps>)",
        "8:60 up[5].loadPartitions.partition_names: needs at least one partition name",
      ]
    `);
  });

  it('refuses dropping _default before anything runs', () => {
    expect(problems('up:\n  - dropPartition: { collection_name: c, partition_name: _default }\n')).toEqual([
      '2:58 up[0].dropPartition.partition_name: the _default partition cannot be dropped (Milvus keeps it for every collection)',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problems('up:\n  - dropPartition: { collection_name: c\n')[0]).toMatch(/^3:1 : YAML syntax error: /);
  });

  it('requires up, and a list there', () => {
    expect(problems('description: nothing\n')).toEqual(['1:1 up: is required: the list of steps to apply']);
    expect(problems('up: dropPartition\n')).toEqual([
      '1:5 up: must be a list of steps, e.g. `- dropPartition: { collection_name: c, partition_name: p }`',
    ]);
    expect(problems('up: []\n')).toEqual(['1:5 up: needs at least one step']);
  });

  it('checks createCollection beyond types: one primary key, a vector field, dims and lengths', () => {
    expect(
      problems(`up:
  - createCollection:
      collection_name: c
      num_partitions: 4
      fields:
        - { name: a, data_type: Int64 }
        - { name: b, data_type: VarChar }
        - { name: b, data_type: Strnig }
`),
    ).toMatchInlineSnapshot(`
      [
        "8:33 up[0].createCollection.fields.2.data_type: unknown data_type "Strnig" (allowed: Bool, Int8, Int16, Int32, Int64, Float, Double, VarChar, JSON, Array, BinaryVector, FloatVector, Float16Vector, BFloat16Vector, SparseFloatVector, Int8Vector)",
      ]
    `);
    expect(
      problems(`up:
  - createCollection:
      collection_name: c
      num_partitions: 4
      fields:
        - { name: a, data_type: Int64 }
        - { name: b, data_type: VarChar }
        - { name: b, data_type: FloatVector }
`),
    ).toMatchInlineSnapshot(`
      [
        "6:9 up[0].createCollection.fields: needs exactly one field with is_primary_key: true (found 0)",
        "4:23 up[0].createCollection.num_partitions: only applies to a collection with a partition key field",
        "7:11 up[0].createCollection.fields.1: VarChar field b needs max_length",
        "8:19 up[0].createCollection.fields.2.name: duplicate field name b",
        "8:11 up[0].createCollection.fields.2: FloatVector field b needs dim",
      ]
    `);
  });
});
