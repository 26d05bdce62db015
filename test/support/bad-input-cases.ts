/**
 * Every kind of bad input the CLI must reject with exit 2 (test/integration/bad-input.test.ts runs
 * them against Milvus; the JSON Schema test checks the schema rejects the malformed files too).
 */

const step = (body: string) => `up:\n  - ${body}\n`;
const cc = (fields: string, extra = '') => `up:\n  - createCollection:\n      collection_name: c1\n${extra}      fields:\n${fields}`;
const longName = 'n'.repeat(256);

export interface BadInputCase {
  /** Extra migration files (name → content). */
  files?: Record<string, string>;
  /** Replaces the project's config (the state collection line is added). */
  config?: string;
  args?: string[];
  /** Fragments the error must contain; `@file` stands for the project's migrations folder. */
  expect: string[];
}

export const BAD_INPUT_CASES: Record<string, BadInputCase> = {
  'YAML syntax error': {
    files: { '002_bad.yaml': 'up:\n  - createPartition: { collection_name: c\n' },
    expect: ['@file/002_bad.yaml:3:1: YAML syntax error'],
  },
  'not a map': { files: { '002_bad.yaml': '- createPartition: {}\n' }, expect: ['002_bad.yaml:1:1: a migration must be a map with `up:`'] },
  'unknown top-level key': {
    files: { '002_bad.yaml': `descriptoin: x\n${step('createPartition: { collection_name: c, partition_name: p }')}` },
    expect: ['002_bad.yaml:1:1: descriptoin: unknown key "descriptoin"; did you mean "description"?'],
  },
  'missing up': { files: { '002_bad.yaml': 'description: nothing to do\n' }, expect: ['002_bad.yaml:1:1: up: is required'] },
  'up not a list': { files: { '002_bad.yaml': 'up: createPartition\n' }, expect: ['002_bad.yaml:1:5: up: must be a list of steps'] },
  'empty up': { files: { '002_bad.yaml': 'up: []\n' }, expect: ['002_bad.yaml:1:5: up: needs at least one step'] },
  'step with two keys': {
    files: {
      '002_bad.yaml':
        'up:\n  - createPartition: { collection_name: c, partition_name: p }\n    dropPartition: { collection_name: c, partition_name: p }\n',
    },
    expect: ['002_bad.yaml:2:5: up[0]: a step is a map with exactly one key'],
  },
  'unknown step': {
    files: { '002_bad.yaml': step('dropPartiton: { collection_name: c, partition_name: p }') },
    expect: ['002_bad.yaml:2:5: up[0]: unknown step "dropPartiton"; did you mean "dropPartition"?'],
  },
  'params not a map': {
    files: { '002_bad.yaml': step('createPartition: c') },
    expect: ['002_bad.yaml:2:22: up[0].createPartition: params must be a map (allowed: collection_name, db_name, partition_name)'],
  },
  'missing param': {
    files: { '002_bad.yaml': step('createPartition: { collection_name: c }') },
    expect: ['up[0].createPartition.partition_name: missing required param partition_name'],
  },
  'unknown param': {
    files: { '002_bad.yaml': step('createPartition: { collection_name: c, partiton_name: p }') },
    expect: ['up[0].createPartition.partiton_name: unknown param of createPartition "partiton_name"; did you mean "partition_name"?'],
  },
  'name starting with a digit': {
    files: { '002_bad.yaml': step('createPartition: { collection_name: 9c, partition_name: p }') },
    expect: ['up[0].createPartition.collection_name: invalid Milvus name "9c"'],
  },
  'name too long': {
    files: { '002_bad.yaml': step(`createPartition: { collection_name: c, partition_name: ${longName} }`) },
    expect: ['up[0].createPartition.partition_name: invalid Milvus name', 'at most 255 characters'],
  },
  'name with a dash': {
    files: { '002_bad.yaml': step('dropCollection: { collection_name: my-coll }') },
    expect: ['invalid Milvus name "my-coll"'],
  },
  'boolean as a string': {
    files: { '002_bad.yaml': step('dropCollection: { collection_name: c, if_exists: "yes" }') },
    expect: ['up[0].dropCollection.if_exists: must be true or false, got string "yes"'],
  },
  'number for a name': {
    files: { '002_bad.yaml': step('dropCollection: { collection_name: 42 }') },
    expect: ['up[0].dropCollection.collection_name: must be a string, got number 42'],
  },
  'dropping _default': {
    files: { '002_bad.yaml': step('dropPartition: { collection_name: c, partition_name: _default }') },
    expect: ['the _default partition cannot be dropped'],
  },
  'no primary key': {
    files: { '002_bad.yaml': cc('        - { name: v, data_type: FloatVector, dim: 2 }\n') },
    expect: ['up[0].createCollection.fields: needs exactly one field with is_primary_key: true (found 0)'],
  },
  'vector without dim': {
    files: {
      '002_bad.yaml': cc('        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector }\n'),
    },
    expect: ['FloatVector field v needs dim'],
  },
  'unknown data_type': {
    files: {
      '002_bad.yaml': cc(
        '        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVec, dim: 2 }\n',
      ),
    },
    expect: ['unknown data_type "FloatVec" (allowed: Bool,'],
  },
  'duplicate field names': {
    files: {
      '002_bad.yaml': cc(
        '        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: id, data_type: FloatVector, dim: 2 }\n',
      ),
    },
    expect: ['duplicate field name id'],
  },
  'num_partitions without a partition key': {
    files: {
      '002_bad.yaml': cc(
        '        - { name: id, data_type: Int64, is_primary_key: true }\n        - { name: v, data_type: FloatVector, dim: 2 }\n',
        '      num_partitions: 4\n',
      ),
    },
    expect: ['num_partitions: only applies to a collection with a partition key field'],
  },
  'empty partition list': {
    files: { '002_bad.yaml': step('loadPartitions: { collection_name: c, partition_names: [] }') },
    expect: ['partition_names: needs at least one partition name'],
  },
  'down not a list': {
    files: { '002_bad.yaml': `${step('createPartition: { collection_name: c, partition_name: p }')}down: dropPartition\n` },
    expect: ['down: must be a list of steps'],
  },
  'description not a string': {
    files: { '002_bad.yaml': `description: [a, b]\n${step('createPartition: { collection_name: c, partition_name: p }')}` },
    expect: ['002_bad.yaml:1:14: description: must be a string'],
  },
  'duplicate YAML key': {
    files: { '002_bad.yaml': 'up:\n  - createPartition: { collection_name: c, collection_name: d, partition_name: p }\n' },
    expect: ['YAML syntax error: Map keys must be unique'],
  },
  'two files, one name': {
    files: {
      '002_same.yaml': step('createPartition: { collection_name: c, partition_name: p }'),
      '002_same.yml': step('createPartition: { collection_name: c, partition_name: q }'),
    },
    expect: ['Two migration files have the same name', '002_same.yml: another file is also named 002_same'],
  },
  'code without default export': {
    files: { '002_code.mjs': 'export const up = async () => {};\n' },
    expect: ['002_code.mjs: must `export default defineMigration({ up, down })` with an `up` function'],
  },
  'code that does not load': {
    files: { '002_code.mjs': 'export default {\n' },
    expect: ['002_code.mjs:2: syntax error: Unexpected end of input'],
  },
  'TypeScript that does not compile': {
    files: { '002_code.ts': 'export default { up: async (x: number) => { x + } };\n' },
    expect: ['002_code.ts:1:49: syntax error: Unexpected "}"'],
  },
  'code that throws while loading': {
    files: { '002_code.mjs': "throw new Error('no config here');\n" },
    expect: ['002_code.mjs: cannot load: no config here'],
  },
  'unknown config key': {
    config: 'migrations: migrations\nadress: localhost:19530\n',
    expect: ['milvus.config.yaml:3:1: unknown key "adress"', 'did you mean "address"?'],
  },
  'unset variable': { config: 'migrations: migrations\ntoken: ${NOT_SET_ANYWHERE_42}\n', expect: ['NOT_SET_ANYWHERE_42'] },
  'unknown environment': {
    config: 'migrations: migrations\nenvironments:\n  production: { ssl: true }\n',
    args: ['up', '--env', 'prod'],
    expect: ['prod', 'production'],
  },
  'invalid state collection name': {
    config: 'migrations: migrations\nstateCollection: state-of-things\n',
    expect: ['milvus.config.yaml:2:18: stateCollection: must be a valid Milvus collection name'],
  },
  'config syntax error': { config: 'migrations: [migrations\n', expect: ['milvus.config.yaml'] },
  'missing --config file': { args: ['up', '--config', 'nowhere.yaml'], expect: ['nowhere.yaml'] },
  'unknown command': { args: ['upp'], expect: ['Did you mean up?', 'milvus-migrate --help'] },
  '--step 0': { args: ['up', '--step', '0'], expect: ['--step must be a positive whole number, got 0'] },
  '--to unknown': { args: ['up', '--to', '999_nope'], expect: ['--to 999_nope: no migration of that name'] },
  '--to with --step': { args: ['up', '--to', '001_ok', '--step', '1'], expect: ['Arguments to and step are mutually exclusive'] },
  'down --to unknown': { args: ['down', '--to', '999_nope'], expect: ['--to 999_nope: no applied migration of that name'] },
  'mark without a choice': { args: ['mark', '001_ok'], expect: ['mark needs exactly one of --applied or --pending'] },
  'create with no usable name': {
    args: ['create', '***'],
    expect: ['create: the name "***" has no letters or digits to make a file name from'],
  },
};
