import { describe, expect, it } from 'vitest';
import { editDistance, suggest } from '../../../src/util/suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['adress', 'address', 1],
    ['flaw', 'lawn', 2],
    ['same', 'same', 0],
  ])('%s → %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('suggest', () => {
  const keys = ['migrations', 'stateCollection', 'address', 'token', 'username', 'password', 'database', 'ssl', 'embedded'];

  it.each([
    ['adress', 'address'],
    ['tokn', 'token'],
    ['embeded', 'embedded'],
    ['StateCollection', 'stateCollection'], // case is ignored
    ['state_collection', 'stateCollection'],
    ['databse', 'database'],
    ['sll', 'ssl'],
    ['migration', 'migrations'],
    ['stateColection', 'stateCollection'],
    ['statecollecton', 'stateCollection'],
    ['passwrd', 'password'],
    ['addr', 'address'], // a unique prefix
  ])('%s → %s', (input, expected) => {
    expect(suggest(input, keys)).toBe(expected);
  });

  it.each(['x', 'up', 'host', 'port', 'environment', 'tls', 'completely_different', ''])('%s → nothing', (input) => {
    expect(suggest(input, keys)).toBeUndefined();
  });

  it('allows more edits for long inputs (a third of the length)', () => {
    expect(suggest('creatCollectoinIndx', ['createCollectionIndex'])).toBe('createCollectionIndex'); // 4 edits, 19 chars
    expect(suggest('dropPartiton', ['dropPartition', 'createPartition'])).toBe('dropPartition');
  });

  it('prefers the closest candidate, then the earlier one', () => {
    expect(suggest('ab', ['abc', 'abd'])).toBe('abc');
    expect(suggest('loadCollection', ['releaseCollection', 'loadCollectionSync', 'loadCollections'])).toBe('loadCollections');
  });

  it('does not suggest an ambiguous prefix', () => {
    expect(suggest('create', ['createCollection', 'createPartition'])).toBeUndefined();
    expect(suggest('prod', ['production', 'staging'])).toBe('production');
  });

  it('works with no candidates', () => {
    expect(suggest('anything', [])).toBeUndefined();
  });
});
