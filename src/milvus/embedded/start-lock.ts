/** The machine-wide start lock: one "is one running? else spawn and record it" at a time. */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logger.js';
import { processAlive } from '../../util/process.js';
import { ADDRESS_HINT, EmbeddedMilvusError } from './errors.js';

/** How long to wait for another process that is starting (or installing) Embedded Milvus. */
const START_LOCK_TIMEOUT_MS = 10 * 60_000;

function lockAgeMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Runs `fn` holding the machine-wide start lock (`<cacheRoot>/start.lock`, holding the owner's
 * pid). Without it, two commands starting at once would both see no server, both install, both
 * spawn, and one would die on the etcd port with an unhelpful log. With it, the second one finds
 * the first one's records: it reuses the server (same folder) or is refused (other folder).
 */
export async function withStartLock<T>(cacheRoot: string, logger: Logger, fn: () => Promise<T>): Promise<T> {
  await fsp.mkdir(cacheRoot, { recursive: true });
  const lock = path.join(cacheRoot, 'start.lock');
  const deadline = Date.now() + START_LOCK_TIMEOUT_MS;
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text: string;
    try {
      text = fs.readFileSync(lock, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    const owner = Number(text);
    // A lock being written is empty for an instant; it is stale only if its owner is dead, or if
    // it stayed empty (its owner died between creating and writing it).
    const stale = text === '' ? lockAgeMs(lock) > 5_000 : !(Number.isInteger(owner) && owner > 0 && processAlive(owner));
    if (stale) {
      // Remove it only if it is still that lock: another waiter may have replaced it meanwhile.
      try {
        if (fs.readFileSync(lock, 'utf8') === text) fs.rmSync(lock, { force: true });
      } catch {
        // gone already
      }
      continue;
    }
    if (!told) {
      logger.info(`Waiting for another milvus-migrate (pid ${text || '?'}) that is starting Embedded Milvus`);
      told = true;
    }
    if (Date.now() >= deadline) {
      throw new EmbeddedMilvusError(`Timed out waiting for another process (pid ${text || '?'}) that is starting Embedded Milvus.`, {
        hint: `If no such process runs, remove ${lock}, ${ADDRESS_HINT}.`,
      });
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    try {
      if (fs.readFileSync(lock, 'utf8') === String(process.pid)) fs.rmSync(lock, { force: true });
    } catch {
      // already gone
    }
  }
}
