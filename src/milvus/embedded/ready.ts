/** Waiting until a spawned server answers, and saying why it did not, with its logs' last lines. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logger.js';
import { ADDRESS_HINT, EmbeddedMilvusError } from './errors.js';
import { readProxyPort } from './ports.js';
import { probeMilvus } from './probe.js';
import { groupMembers } from './processes.js';
import { WRAPPER_LOG_NAME } from './spawn.js';
import { indent, lastLines } from './text.js';

export async function waitUntilReady(w: {
  pgid: number;
  port: number;
  /** The caller asked for this port (rather than "any free one"). */
  explicitPort: boolean;
  authorization: boolean;
  dataDir: string;
  readyTimeoutMs: number;
  logger: Logger;
  exited: () => string | undefined;
}): Promise<number> {
  const deadline = Date.now() + w.readyTimeoutMs;
  let port: number | undefined;
  let milvusSeen = false;
  for (;;) {
    // The wrapper does not notice when its milvus child dies (it waits forever), so watch both.
    const members = groupMembers(w.pgid);
    const milvusAlive = members?.some((m) => m.comm === 'milvus' && m.state !== 'Z');
    if (milvusAlive) milvusSeen = true;
    const gone = w.exited()
      ? `the milvus-server wrapper ${w.exited()}`
      : milvusSeen && members !== undefined && !milvusAlive
        ? 'the milvus process exited'
        : undefined;
    if (gone) throw startFailure(w.dataDir, `${gone} before Milvus was ready`, w.port);

    if (port === undefined) {
      const actual = readProxyPort(w.dataDir);
      if (actual !== undefined) {
        if (actual !== w.port) {
          // Python binds without SO_REUSEADDR, so a port Node saw free (e.g. in TIME_WAIT after a
          // killed server) can still be refused to the wrapper, which then takes the next one.
          const say = w.explicitPort ? w.logger.warn : w.logger.info;
          say.call(w.logger, `Embedded Milvus is on 127.0.0.1:${actual} instead (${w.port} was not free for it)`);
        }
        port = actual;
      }
    }
    if (port !== undefined && (await probeMilvus(`127.0.0.1:${port}`, { authorization: w.authorization }))) return port;
    if (Date.now() >= deadline) {
      throw startFailure(w.dataDir, `it did not answer within ${Math.round(w.readyTimeoutMs / 1000)} s`, port ?? w.port);
    }
    await sleep(250);
  }
}

export function startFailure(dataDir: string, why: string, port: number): EmbeddedMilvusError {
  const logs = path.join(dataDir, 'logs');
  const tails: string[] = [];
  for (const name of ['milvus-stderr.log', 'milvus-stdout.log', WRAPPER_LOG_NAME]) {
    const file = path.join(logs, name);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const lines = lastLines(text, 20);
    if (lines.length) tails.push(`Last lines of ${file}:\n${indent(lines)}`);
  }
  return new EmbeddedMilvusError(
    `Embedded Milvus did not start (data in ${dataDir}, 127.0.0.1:${port}): ${why}.${tails.length ? `\n${tails.join('\n')}` : ` No logs in ${logs}.`}`,
    { address: `127.0.0.1:${port}`, hint: `See the logs in ${logs}, ${ADDRESS_HINT}.` },
  );
}
