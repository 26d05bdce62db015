import { describe, expect, it } from 'vitest';
import { slugify, timestamp } from '../../../src/cli/commands/create.js';
import { exitCodeOf } from '../../../src/cli/exit-codes.js';

describe('create naming', () => {
  it('names files YYYYMMDDHHMMSS in UTC', () => {
    expect(timestamp(new Date('2026-11-28T12:34:56.789Z'))).toBe('20261128123456');
  });
  it('slugifies names', () => {
    expect(slugify('  Drop old Partition (2024)! ')).toBe('drop_old_partition_2024');
    expect(slugify('***')).toBe('');
  });
});

describe('exit codes', () => {
  it('maps each error kind to the contract', () => {
    expect(
      ['migration-failed', 'invalid-input', 'lock-timeout', 'destructive-refused', 'connection'].map((k) => exitCodeOf(k as never)),
    ).toEqual([1, 2, 3, 4, 5]);
  });
});
