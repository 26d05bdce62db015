import { describe, expect, it } from 'vitest';
import { plannedOutcomes, resolveBody, withBackupByDefault } from '../../../src/runner/plan.js';
import type { StepCall } from '../../../src/steps/types.js';
import { statusOf } from '../../../src/runner/history.js';
import { stateRow, yamlMigration } from '../../support/fixtures.js';

describe('resolveBody: derived down', () => {
  it('inverts up steps in reverse order', () => {
    const m = yamlMigration('a', [
      { createCollection: { collection_name: 'c', fields: [] } },
      { createPartition: { collection_name: 'c', partition_name: 'p' } },
      { loadCollection: { collection_name: 'c' } },
    ]);
    const res = resolveBody(m, 'down', stateRow('a'));
    expect('steps' in res && res.steps).toEqual([
      { step: 'releaseCollection', params: { collection_name: 'c' } },
      { step: 'dropPartition', params: { collection_name: 'c', partition_name: 'p' } },
      { step: 'dropCollection', params: { collection_name: 'c' } },
    ]);
  });

  it('uses what steps recorded: a skipped if_not_exists create is not undone; a dropped index comes back as it was', () => {
    const m = yamlMigration('a', [
      { createCollection: { collection_name: 'c', fields: [], if_not_exists: true } },
      { dropIndex: { collection_name: 'c', field_name: 'v' } },
    ]);
    const records = {
      '0': { skipped: true },
      '1': { index_name: 'v', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: '32' } },
    };
    const res = resolveBody(m, 'down', stateRow('a', { details: { direction: 'up', records } }));
    expect('steps' in res && res.steps).toEqual([
      {
        step: 'createIndex',
        params: {
          collection_name: 'c',
          field_name: 'v',
          index_name: 'v',
          index_type: 'IVF_FLAT',
          metric_type: 'L2',
          params: { nlist: '32' },
        },
      },
    ]);
  });

  it('is irreversible when a step has no inverse, and says which', () => {
    const m = yamlMigration('a', [
      { createPartition: { collection_name: 'c', partition_name: 'p' } },
      { dropCollection: { collection_name: 'old' } },
    ]);
    expect(resolveBody(m, 'down', stateRow('a'))).toEqual({
      irreversible: 'step 2 dropCollection: dropCollection old deletes its data; there is no backup to restore it from',
    });
  });

  it('prefers an explicit down', () => {
    const m = yamlMigration('a', [{ dropCollection: { collection_name: 'old' } }], {
      down: [{ createPartition: { collection_name: 'x', partition_name: 'y' } }],
    });
    const res = resolveBody(m, 'down', stateRow('a'));
    expect('steps' in res && res.steps).toEqual([{ step: 'createPartition', params: { collection_name: 'x', partition_name: 'y' } }]);
  });
});

describe('statusOf', () => {
  it('joins files and state: applied, pending, failed, changed, missing', () => {
    const files = ['a', 'b', 'c', 'd'].map((n) => yamlMigration(n, [{ createPartition: { collection_name: 'c', partition_name: n } }]));
    const rows = new Map([
      ['a', stateRow('a')],
      ['b', stateRow('b', { checksum: 'edited' })],
      ['c', stateRow('c', { status: 'failed', last_error: 'boom' })],
      ['gone', stateRow('gone')],
    ]);
    expect(statusOf(files, rows).map((s) => [s.name, s.status])).toEqual([
      ['a', 'applied'],
      ['b', 'changed'],
      ['c', 'failed'],
      ['d', 'pending'],
      ['gone', 'missing'],
    ]);
  });
});

describe('plannedOutcomes', () => {
  it('asks each call whether it is destructive: exec only when it says so', () => {
    const m = yamlMigration('a', [
      { exec: { command: ['echo', 'hi'] } },
      { exec: { command: ['./wipe.sh'], destructive: true } },
      { dropPartition: { collection_name: 'c', partition_name: 'p' } },
    ]);
    const planned = {
      migration: m,
      direction: 'up' as const,
      steps: (m.up as unknown as { steps: StepCall[] }).steps,
      body: m.up,
      notes: [],
      resumeFrom: 0,
      row: undefined,
    };
    expect(plannedOutcomes(planned).map((s) => [s.step, s.destructive])).toEqual([
      ['exec', false],
      ['exec', true],
      ['dropPartition', true],
    ]);
  });
});

describe('withBackupByDefault (--backup, or backup: true in the config)', () => {
  it('makes every step that can back up take a backup unless it says backup: false, and says so in the plan', () => {
    const m = yamlMigration('b', [
      { dropPartition: { collection_name: 'c', partition_name: 'p' } },
      { dropCollection: { collection_name: 'd', backup: false } },
      { delete: { collection_name: 'c', filter: 'id > 1' } },
      { createPartition: { collection_name: 'c', partition_name: 'q' } },
    ]);
    const p = withBackupByDefault({
      migration: m,
      direction: 'up',
      body: m.up,
      steps: m.up.kind === 'steps' ? m.up.steps : undefined,
      notes: [],
      resumeFrom: 0,
      row: undefined,
    });
    expect(p.steps!.map((s) => s.params.backup)).toEqual([true, false, true, undefined]);
    expect(p.body.kind === 'steps' && p.body.steps).toEqual(p.steps);
    expect(plannedOutcomes(p).map((o) => o.summary)).toEqual([
      'drop partition p of c and all its rows (backed up first)',
      'drop collection d and all its data',
      'delete rows of c where id > 1 (backed up first)',
      'create partition q in c',
    ]);
  });
});
