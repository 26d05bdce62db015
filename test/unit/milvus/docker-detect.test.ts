/**
 * Own file: testcontainers reads DOCKER_HOST once per process, so this needs a process of its own
 * (vitest runs each file in its own worker) apart from docker.test.ts's missing-socket case.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ConnectionError } from '../../../src/errors.js';
import { detectContainerRuntime, startFailure } from '../../../src/milvus/docker.js';

const saved = { env: { ...process.env }, platform: process.platform };
const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  process.env = { ...saved.env };
  Object.defineProperty(process, 'platform', { value: saved.platform });
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('gives up on a DOCKER_HOST that accepts connections but never answers', async () => {
  // A loopback "Docker engine" that holds every connection open without a byte of answer.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => void sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const home = mkdtempSync(path.join(os.tmpdir(), 'milvus-migrate-docker-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const dockerHost = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  // Only DOCKER_HOST is left to try: no ~/.testcontainers.properties, and a platform without default sockets.
  process.env.HOME = home;
  process.env.DOCKER_HOST = dockerHost;
  Object.defineProperty(process, 'platform', { value: 'aix' });

  const tc = await import('testcontainers');
  const err = await detectContainerRuntime(tc, 500).catch((e: unknown) => e);

  expect(sockets.size).toBeGreaterThan(0);
  const translated = startFailure(err, 'milvusdb/milvus:v2.5.16', process.env);
  expect(translated).toBeInstanceOf(ConnectionError);
  expect(translated.message).toMatch(
    /^No Docker engine is reachable to start Milvus \(milvusdb\/milvus:v2\.5\.16\): testcontainers looked at DOCKER_HOST \(tcp:\/\/127\.0\.0\.1:\d+\),/,
  );
  expect(translated.message).toMatch(/ \(none answered within 0\.5 s\)$/);
});
