import { describe, expect, it } from 'vitest';
import { droppable, leftoversOf, type CountedLeftover } from '../../../src/runner/leftovers.js';
import type { StateRow } from '../../../src/state/store.js';

function row(name: string, records: StateRow['details']['records'], over: Partial<StateRow> = {}): StateRow {
  return {
    name,
    checksum: 'x',
    status: 'applied',
    steps_done: 1,
    applied_at: '2026-12-01T00:00:00.000Z',
    duration_ms: 1,
    applied_by: 'me@host',
    tool_version: '0.0.0',
    last_error: '',
    details: { direction: 'up', records },
    ...over,
  };
}

const cut = (source: string, old: string) => ({
  kind: 'rename',
  phase: 'cut',
  source,
  shadow: `${source}__mm_aaaaaaaa`,
  old,
  name: source,
  aliases: [],
});

describe('leftoversOf', () => {
  it('keeps only rebuild leftovers and joins them with the rebuild that recorded them', () => {
    const rows = [row('002_rebuild', { '1': cut('orders', 'orders__mm_old_0123abcd') })];
    const got = leftoversOf(
      ['orders', 'orders__mm_old_0123abcd', 'users__mm_old_deadbeef', 'users__mm_0123abcd', 'milvus_migrations'],
      rows,
    );
    expect(got).toEqual([
      {
        name: 'orders__mm_old_0123abcd',
        rebuiltInto: 'orders',
        migration: '002_rebuild',
        neededByDown: true,
        appliedAt: '2026-12-01T00:00:00.000Z',
      },
      // No state row recorded it (the state was reset, or another tool made it): named from its name.
      { name: 'users__mm_old_deadbeef', rebuiltInto: 'users', migration: undefined, neededByDown: false, appliedAt: undefined },
    ]);
  });

  it('is not needed by down when the rebuild failed or was reverted, and ignores alias cut-overs', () => {
    const rows = [
      row('002_rebuild', { '0': cut('a', 'a__mm_old_00000001') }, { status: 'failed' }),
      row(
        '003_rebuild',
        { '0': cut('b', 'b__mm_old_00000002') },
        { details: { direction: 'down', records: { '0': cut('b', 'b__mm_old_00000002') } } },
      ),
      row('004_alias', { '0': { ...cut('c', 'c__mm_old_00000003'), kind: 'alias' } }),
    ];
    const got = leftoversOf(['a__mm_old_00000001', 'b__mm_old_00000002', 'c__mm_old_00000003'], rows);
    expect(got.map((l) => [l.name, l.migration, l.neededByDown])).toEqual([
      ['a__mm_old_00000001', '002_rebuild', false],
      ['b__mm_old_00000002', '003_rebuild', false],
      ['c__mm_old_00000003', undefined, false],
    ]);
  });
});

describe('droppable', () => {
  const l = (name: string, rebuiltInto: string, appliedAt?: string): CountedLeftover => ({
    name,
    rebuiltInto,
    migration: appliedAt ? `m_${name}` : undefined,
    neededByDown: Boolean(appliedAt),
    appliedAt,
    rows: 3,
    exact: true,
  });
  const all = [l('o__mm_old_00000001', 'o', '2026-01-02'), l('o__mm_old_00000002', 'o', '2026-01-01'), l('u__mm_old_00000003', 'u')];

  it('drops every one without --keep-latest', () => {
    expect(droppable(all, false)).toEqual({ drop: all, keep: [] });
  });

  it('--keep-latest keeps the most recent of each rebuilt collection', () => {
    const { drop, keep } = droppable(all, true);
    expect(drop.map((x) => x.name)).toEqual(['o__mm_old_00000002']);
    expect(keep.map((x) => x.name)).toEqual(['o__mm_old_00000001', 'u__mm_old_00000003']);
  });
});
