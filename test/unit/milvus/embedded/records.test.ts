import { describe, expect, it } from 'vitest';
import { parsePidRecord } from '../../../../src/milvus/embedded/records.js';

describe('parsePidRecord', () => {
  const valid = { pgid: 4242, port: 19530, startedAt: '2026-11-28T12:00:00.000Z', authorization: true, dataDir: '/d', ownerPid: 7 };

  it('reads a record written by startEmbedded', () => {
    expect(parsePidRecord(JSON.stringify(valid))).toEqual(valid);
  });

  it('defaults authorization to false and drops a bad ownerPid', () => {
    const { authorization: _a, ...rest } = valid;
    expect(parsePidRecord(JSON.stringify({ ...rest, ownerPid: 'x' }))).toEqual({
      pgid: 4242,
      port: 19530,
      startedAt: valid.startedAt,
      authorization: false,
      dataDir: '/d',
    });
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '42'],
    ['no pgid', JSON.stringify({ ...valid, pgid: undefined })],
    ['pgid 0 (would signal our own group)', JSON.stringify({ ...valid, pgid: 0 })],
    ['negative pgid', JSON.stringify({ ...valid, pgid: -1 })],
    ['port out of range', JSON.stringify({ ...valid, port: 70000 })],
    ['no dataDir', JSON.stringify({ ...valid, dataDir: '' })],
  ])('rejects %s', (_what, text) => {
    expect(parsePidRecord(text)).toBeUndefined();
  });
});
