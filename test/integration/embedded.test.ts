/**
 * Embedded Milvus against the run's shared server (see test/support/global-milvus.ts).
 *
 * The same assertions hold in both modes; only the server that holds the machine differs (see
 * `holder()`):
 * - embedded (the suite started Embedded Milvus): that server;
 * - external (`MILVUS_ADDRESS`): the local Embedded Milvus found running (e.g. the one
 *   MILVUS_ADDRESS points at), or, when the etcd port is free, one this test starts and stops;
 *   where neither can be had (the port is taken by a server /proc cannot name), the reuse part
 *   is skipped, saying so.
 * While it runs, a start for its data folder reuses it and a start for any other folder is
 * refused with an error that names it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  EMBEDDED_ETCD_PEER_PORT,
  EmbeddedMilvusBusyError,
  PID_FILE_NAME,
  findRunningEmbedded,
  type EmbeddedServer,
  isPortFree,
  parsePidRecord,
  probeMilvus,
  startEmbedded,
} from '../../src/milvus/embedded/index.js';
import { sdkClient, testAddress } from '../support/milvus.js';
import { groupAlive } from '../support/processes.js';

const sharedDataDir = inject('milvusDataDir');
const embeddedMode = sharedDataDir !== '';

let client: MilvusClient;
let scratch: string;

beforeAll(async () => {
  client = await sdkClient();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'milvus-migrate-embedded-test-'));
});

afterAll(async () => {
  await client?.closeConnection();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the shared server', () => {
  it('answers getVersion', async () => {
    const res = await client.getVersion();
    expect(res.version).toMatch(/^v?\d+\.\d+/);
    if (embeddedMode) expect(res.version).toContain('2.3');
  });
});

/** The Embedded Milvus that holds this machine during the scenario below. */
interface Holder {
  dataDir: string;
  address: string;
  /** Started by milvus-migrate (the suite or this test), so it has a pid record. */
  startedByUs: boolean;
  /** Set when this test started it (external mode, etcd port free): the test must stop it. */
  own?: EmbeddedServer;
  /** Started with authorization on (the suite's own server is). */
  authorization: boolean;
}

/**
 * Finds (or, where none runs, starts) the Embedded Milvus that holds this machine:
 * - embedded mode: the suite's server;
 * - external mode, etcd port taken: the local Embedded Milvus found through /proc (on this
 *   machine, typically the one MILVUS_ADDRESS points at), `undefined` if it cannot be identified;
 * - external mode, etcd port free: a server this test starts in a scratch folder.
 */
async function holder(): Promise<Holder | undefined> {
  if (embeddedMode) return { dataDir: sharedDataDir, address: testAddress(), startedByUs: true, authorization: inject('milvusAuth') };
  if (await isPortFree(EMBEDDED_ETCD_PEER_PORT, ['127.0.0.1'])) {
    const own = await startEmbedded({ dataDir: path.join(scratch, 'own') });
    expect(own.reused).toBe(false);
    return { dataDir: own.dataDir, address: own.address, startedByUs: true, own, authorization: false };
  }
  const found = findRunningEmbedded().find((r) => r.port !== undefined);
  return found && { dataDir: found.dataDir, address: `127.0.0.1:${found.port}`, startedByUs: false, authorization: inject('milvusAuth') };
}

describe('one Embedded Milvus per machine', () => {
  it('reuses the running server for its own data folder and refuses any other folder', async (ctx) => {
    const h = await holder();
    try {
      const otherDir = path.join(scratch, 'other');
      const err = await startEmbedded({ dataDir: otherDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EmbeddedMilvusBusyError);
      const busy = err as EmbeddedMilvusBusyError;
      expect(busy.kind).toBe('connection');
      // Refused before anything started: no record appeared in the other folder.
      expect(existsSync(path.join(otherDir, PID_FILE_NAME))).toBe(false);

      if (!h) {
        // External mode, etcd port taken by a server /proc cannot name (not Linux, a container).
        expect(busy.running).toBeUndefined();
        expect(busy.message).toContain('Only one Embedded Milvus fits a machine');
        return ctx.skip('the refusal was checked; reusing the server needs an Embedded Milvus that /proc can name');
      }
      expect(busy.running).toMatchObject({ dataDir: h.dataDir, port: Number(h.address.split(':')[1]) });
      const message = busy.message
        .replaceAll(otherDir, '<other>')
        .replaceAll(h.dataDir, '<running>')
        .replaceAll(h.address, '<address>')
        .replace(/pid \d+/, 'pid <pid>');
      expect(message).toMatchInlineSnapshot(
        `"Cannot start Embedded Milvus for <other>: another Embedded Milvus is already running on this machine (data in <running>, address <address>, pid <pid>). Only one Embedded Milvus fits a machine (its etcd always binds 127.0.0.1:2380): stop it, or use it with --address <address>."`,
      );
      expect(busy.hint).toBe(`Stop the running server, or use it (or any Milvus) with --address ${h.address} or MILVUS_ADDRESS.`);

      if (h.startedByUs) {
        // A server milvus-migrate started is recorded in its data folder; that is how it is reused.
        const record = parsePidRecord(readFileSync(path.join(h.dataDir, PID_FILE_NAME), 'utf8'));
        expect(record).toMatchObject({ dataDir: h.dataDir, authorization: h.authorization });
        expect(`127.0.0.1:${record?.port}`).toBe(h.address);
        expect(groupAlive(record!.pgid)).toBe(true);
      }

      const again = await startEmbedded({ dataDir: h.dataDir });
      expect(again).toMatchObject({ reused: true, address: h.address, dataDir: h.dataDir });
      // stop() of a reused server is a no-op: the process that started it owns it.
      await again.stop();
      expect(await probeMilvus(h.address, { authorization: h.authorization })).toBe(true);
    } finally {
      if (h?.own) {
        await h.own.stop();
        expect(groupAlive(h.own.pid)).toBe(false);
        expect(existsSync(path.join(h.own.dataDir, PID_FILE_NAME))).toBe(false);
      }
    }
  });
});
