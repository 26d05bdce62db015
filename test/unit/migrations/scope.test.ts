import { describe, expect, it } from 'vitest';
import { checkConfinedToOneDatabase, touchedBy } from '../../../src/migrations/scope.js';
import { recordingLogger, stateRow, yamlMigration } from '../../support/fixtures.js';
import { STEPS } from '../../../src/steps/catalogue.js';

describe('scope of migrations', () => {
  const migrations = [
    yamlMigration('001', [
      { createCollection: { collection_name: 'docs_v1', fields: [] } },
      { createAlias: { alias: 'docs', collection_name: 'docs_v1' } },
      { renameCollection: { collection_name: 'tmp', new_collection_name: 'docs_v2' } },
      { copyRows: { collection_name: 'docs_v1', target_collection_name: 'docs_v3' } },
      { flush: { collection_names: ['docs_v1', 'f'] } },
      { createPartition: { collection_name: 'elsewhere', partition_name: 'p', db_name: 'other' } },
      { createPartition: { collection_name: 'named_here', partition_name: 'p', db_name: 'default' } },
      { copyRows: { collection_name: 'docs_v1', target_collection_name: 'far', target_db_name: 'other' } },
    ]),
  ];

  it('collects the collections and aliases YAML steps name in the database', () => {
    const scope = touchedBy(migrations, 'default');
    // Steps without db_name act on the connection's database, the one given here.
    expect([...scope.collections].sort()).toEqual(['docs_v1', 'docs_v2', 'docs_v3', 'f', 'named_here', 'tmp']);
    expect([...scope.aliases]).toEqual(['docs']);
    expect(scope.code).toBe(false);
  });

  it('refuses steps that reach other databases in a throwaway database, naming each', () => {
    expect(() => checkConfinedToOneDatabase(migrations, 'throwaway database t on h:1')).toThrowErrorMatchingInlineSnapshot(`
      [InvalidInputError: Cannot prove these migrations in throwaway database t on h:1; nothing was run
        /m/001.yaml: up[5].createPartition: names database other, outside the throwaway database
        /m/001.yaml: up[6].createPartition: names database default, outside the throwaway database
        /m/001.yaml: up[7].copyRows: names database other, outside the throwaway database]
    `);
    expect(() =>
      checkConfinedToOneDatabase([yamlMigration('002', [{ createPartition: { collection_name: 'c', partition_name: 'p' } }])], 'x'),
    ).not.toThrow();
  });
});

describe('what steps declare', () => {
  /** The top-level keys of a step's params schema (every step's is a zod object). */
  const keysOf = (name: string) => Object.keys((STEPS.get(name)!.params as unknown as { shape: Record<string, unknown> }).shape);

  it('every step whose params name a collection, an alias or a database says what a call touches', () => {
    const naming = [...STEPS.keys()].filter((name) => keysOf(name).some((k) => /(^|_)(collection_names?|alias|db_name)$/.test(k)));
    expect(naming.filter((name) => !STEPS.get(name)!.touches)).toEqual([]);
    expect([...STEPS.keys()].filter((name) => !naming.includes(name))).toEqual(['exec']);
  });

  it('the steps that take a backup param are the ones that declare backsUp', () => {
    const withParam = [...STEPS.keys()].filter((name) => keysOf(name).includes('backup'));
    expect(withParam).toEqual(['dropCollection', 'dropPartition', 'delete']);
    expect([...STEPS.values()].filter((s) => s.backsUp).map((s) => s.name)).toEqual(withParam);
  });

  it('databases that are created or dropped, and names in other databases, are told apart', () => {
    expect(STEPS.get('createDatabase')!.touches!({ db_name: 'x' })).toEqual({ databases: ['x'] });
    expect(STEPS.get('copyRows')!.touches!({ collection_name: 'a', target_collection_name: 'b', target_db_name: 'o' })).toEqual({
      collections: [
        { name: 'a', db_name: undefined },
        { name: 'b', db_name: 'o' },
      ],
    });
  });
});

describe('appliedToReplay', () => {
  it('lists applied migrations with files, warning about what a replay cannot reproduce', async () => {
    const { appliedToReplay } = await import('../../../src/verify/drift.js');
    const row = (name: string, status: 'applied' | 'failed', checksum = `sum-${name}`, direction: 'up' | 'down' = 'up') =>
      stateRow(name, { status, checksum, steps_done: 0, details: { direction } });
    const logger = recordingLogger();
    const warnings = logger.warnings;
    const files = ['001', '002', '003', '004'].map((n) => yamlMigration(n, []));
    const names = appliedToReplay(
      [row('003', 'applied'), row('001', 'applied', 'edited'), row('004', 'failed'), row('000_gone', 'applied')],
      files,
      logger,
    );
    expect(names).toEqual(['001', '003']);
    expect(warnings).toMatchInlineSnapshot(`
      [
        "001 was edited after it was applied: the expected schema follows the file as it is now",
        "004 failed part-way: the expected schema leaves it out",
        "000_gone is applied but its file is missing: the expected schema leaves it out",
        "002 is pending but named before applied ones: the expected schema includes it",
      ]
    `);
  });

  it('a migration that failed before the last applied one is replayed in full, and a failed down counts as applied', async () => {
    const { appliedToReplay } = await import('../../../src/verify/drift.js');
    const row = (name: string, status: 'applied' | 'failed', direction: 'up' | 'down' = 'up') =>
      stateRow(name, { status, steps_done: 0, details: { direction } });
    const logger = recordingLogger();
    const warnings = logger.warnings;
    const files = ['001', '002', '003'].map((n) => yamlMigration(n, []));
    const names = appliedToReplay([row('001', 'failed'), row('002', 'applied'), row('003', 'failed', 'down')], files, logger);
    expect(names).toEqual(['002', '003']);
    expect(warnings).toEqual([
      '001 failed part-way: it is named before applied ones, so the expected schema includes all of it',
      "003's down failed part-way: the expected schema includes it as applied",
    ]);
  });
});
