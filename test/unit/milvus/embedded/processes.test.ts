import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { dataDirFromMilvusArgv, inOurNetworkNamespace, parseProcStat } from '../../../../src/milvus/embedded/processes.js';

/** `unshare -n` works here (Linux, root or a user namespace allowed): CI runs as root. */
const canUnshare = process.platform === 'linux' && spawnSync('unshare', ['-n', 'true']).status === 0;

describe('inOurNetworkNamespace', () => {
  it('is true for this process', () => {
    expect(inOurNetworkNamespace(process.pid)).toBe(true);
  });

  it.runIf(canUnshare)('is false for a process in another network namespace (needs unshare -n: Linux as root)', async () => {
    const child = spawn('unshare', ['-n', 'sleep', '30'], { stdio: 'ignore' });
    try {
      // unshare execs sleep in the new namespace: wait until the pid has moved there.
      const deadline = Date.now() + 5_000;
      while (inOurNetworkNamespace(child.pid!) && Date.now() < deadline) await sleep(20);
      expect(inOurNetworkNamespace(child.pid!)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('parseProcStat', () => {
  it('reads pid, command, state, parent and process group', () => {
    expect(parseProcStat('3395 (milvus) S 3387 3387 3387 0 -1 4194560 24869')).toEqual({
      pid: 3395,
      comm: 'milvus',
      state: 'S',
      ppid: 3387,
      pgid: 3387,
    });
  });

  it('copes with spaces and parentheses in the command name', () => {
    expect(parseProcStat('12 (a (b) c) Z 1 12 12 0')).toMatchObject({ pid: 12, comm: 'a (b) c', state: 'Z', pgid: 12 });
  });

  it('is undefined for garbage', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 (x)')).toBeUndefined();
  });
});

describe('dataDirFromMilvusArgv', () => {
  it('finds the data folder of `DATA/bin/milvus run standalone`', () => {
    expect(dataDirFromMilvusArgv(['/tmp/devmilvus/bin/milvus', 'run', 'standalone', ''])).toBe('/tmp/devmilvus');
  });

  it('ignores other processes', () => {
    expect(dataDirFromMilvusArgv(['/usr/bin/milvus', 'run', 'proxy'])).toBeUndefined();
    expect(dataDirFromMilvusArgv(['/opt/milvus', 'run', 'standalone'])).toBeUndefined();
    expect(dataDirFromMilvusArgv(['python3', 'milvus-server', '--data', '/d'])).toBeUndefined();
    expect(dataDirFromMilvusArgv([])).toBeUndefined();
  });
});
