import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../../src/cli/exit-codes.js';
import { ConnectionError, InvalidInputError } from '../../../src/errors.js';
import {
  DEFAULT_MILVUS_IMAGE,
  importOptional,
  milvusContainer,
  milvusContainerSpec,
  noContainerRuntimeMessage,
  startDockerMilvus,
  startFailure,
} from '../../../src/milvus/docker.js';

describe('milvusContainerSpec', () => {
  it('runs a pinned Milvus 2.x image unless MILVUS_IMAGE or opts.image names one', () => {
    expect(DEFAULT_MILVUS_IMAGE).toMatch(/^milvusdb\/milvus:v2\.\d+\.\d+$/);
    expect(milvusContainerSpec().image).toBe(DEFAULT_MILVUS_IMAGE);
    expect(milvusContainerSpec({ env: {} }).image).toBe(DEFAULT_MILVUS_IMAGE);
    expect(milvusContainerSpec({ env: { MILVUS_IMAGE: '' } }).image).toBe(DEFAULT_MILVUS_IMAGE);
    expect(milvusContainerSpec({ env: { MILVUS_IMAGE: 'milvusdb/milvus:v2.4.9' } }).image).toBe('milvusdb/milvus:v2.4.9');
    expect(milvusContainerSpec({ image: 'milvusdb/milvus:v2.6.0', env: { MILVUS_IMAGE: 'milvusdb/milvus:v2.4.9' } }).image).toBe(
      'milvusdb/milvus:v2.6.0',
    );
  });

  it("is the image's own standalone mode with embedded etcd and local storage, ready on /healthz:9091", () => {
    const { image: _image, files, ...rest } = milvusContainerSpec({ env: {} });
    expect(rest).toMatchInlineSnapshot(`
      {
        "command": [
          "milvus",
          "run",
          "standalone",
        ],
        "env": {
          "COMMON_STORAGETYPE": "local",
          "DEPLOY_MODE": "STANDALONE",
          "ETCD_CONFIG_PATH": "/milvus/configs/embedEtcd.yaml",
          "ETCD_DATA_DIR": "/var/lib/milvus/etcd",
          "ETCD_USE_EMBED": "true",
        },
        "exposedPorts": [
          19530,
          9091,
        ],
        "securityOpt": [
          "seccomp=unconfined",
        ],
        "startupTimeoutMs": 180000,
        "wait": {
          "path": "/healthz",
          "port": 9091,
          "statusCode": 200,
        },
      }
    `);
    expect(files).toHaveLength(1);
    expect(files[0]?.target).toBe(rest.env.ETCD_CONFIG_PATH);
  });

  it('writes the embedded etcd config that standalone_embed.sh writes', () => {
    const [file] = milvusContainerSpec().files;
    expect(file?.content).toMatchInlineSnapshot(`
      "listen-client-urls: http://0.0.0.0:2379
      advertise-client-urls: http://0.0.0.0:2379
      quota-backend-bytes: 4294967296
      auto-compaction-mode: revision
      auto-compaction-retention: '1000'
      "
    `);
  });
});

describe('milvusContainer', () => {
  it('hands the whole spec to a testcontainers GenericContainer', async () => {
    const tc = await import('testcontainers');
    const spec = milvusContainerSpec({ image: 'milvusdb/milvus:v2.4.9' });
    // The builder keeps what it was given in protected fields; read them back as Docker will get them.
    const c = milvusContainer(tc, spec) as unknown as {
      imageName: { string: string };
      createOpts: { Cmd: string[]; Env: string[]; ExposedPorts: Record<string, unknown> };
      hostConfig: { SecurityOpt: string[] };
      contentsToCopy: { target: string; content: string }[];
      startupTimeoutMs: number;
      waitStrategy: { path: string; port: number; predicates: ((r: { status: number }) => Promise<boolean>)[] };
    };
    expect(c.imageName.string).toBe('milvusdb/milvus:v2.4.9');
    expect(c.createOpts.Cmd).toEqual(['milvus', 'run', 'standalone']);
    expect(c.createOpts.Env).toEqual(Object.entries(spec.env).map(([k, v]) => `${k}=${v}`));
    expect(Object.keys(c.createOpts.ExposedPorts)).toEqual(['19530/tcp', '9091/tcp']);
    expect(c.hostConfig.SecurityOpt).toEqual(['seccomp=unconfined']);
    expect(c.contentsToCopy).toEqual(spec.files);
    expect(c.startupTimeoutMs).toBe(spec.startupTimeoutMs);
    expect(c.waitStrategy).toBeInstanceOf(tc.Wait.forHttp('/', 1).constructor);
    expect({ path: c.waitStrategy.path, port: c.waitStrategy.port }).toEqual({ path: '/healthz', port: 9091 });
    const answers = await Promise.all(
      [200, 503].map(async (status) => (await Promise.all(c.waitStrategy.predicates.map((p) => p({ status })))).every(Boolean)),
    );
    expect(answers).toEqual([true, false]);
  });
});

describe('startDockerMilvus without a Docker engine', () => {
  const saved = { env: { ...process.env }, platform: process.platform };
  let home: string | undefined;

  afterEach(() => {
    process.env = { ...saved.env };
    Object.defineProperty(process, 'platform', { value: saved.platform });
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('fails at once with a connection error (exit 5) naming where it looked', async () => {
    // Hide every Docker engine from testcontainers, also on a machine that has one: DOCKER_HOST
    // points at a socket that does not exist, HOME has no .testcontainers.properties, and a
    // platform other than linux/darwin/win32 makes it skip its default socket paths.
    home = mkdtempSync(path.join(os.tmpdir(), 'milvus-migrate-docker-'));
    const dockerHost = `unix://${path.join(home, 'docker.sock')}`;
    process.env.HOME = home;
    process.env.DOCKER_HOST = dockerHost;
    process.env.MILVUS_IMAGE = 'milvusdb/milvus:v2.4.9';
    Object.defineProperty(process, 'platform', { value: 'aix' });

    const err = await startDockerMilvus().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ConnectionError);
    const e = err as ConnectionError;
    expect(exitCodeOf(e.kind)).toBe(5);
    expect(e.address).toBe(dockerHost);
    expect(e.message).toContain(`No Docker engine is reachable to start Milvus (milvusdb/milvus:v2.4.9)`);
    expect(e.message).toContain(`DOCKER_HOST (${dockerHost})`);
    expect(e.hint).toMatch(/Start Docker or point DOCKER_HOST at it/);
  });
});

describe('startFailure', () => {
  it('names DOCKER_HOST, the properties file and every socket testcontainers tried', () => {
    expect(noContainerRuntimeMessage('milvusdb/milvus:v2.5.16', {}, '/home/u', 1000)).toMatchInlineSnapshot(
      `"No Docker engine is reachable to start Milvus (milvusdb/milvus:v2.5.16): testcontainers looked at DOCKER_HOST (not set), tc.host and docker.host in /home/u/.testcontainers.properties, and the sockets /var/run/docker.sock, /home/u/.docker/run/docker.sock, /home/u/.docker/desktop/docker.sock, /run/user/1000/docker.sock"`,
    );
    expect(noContainerRuntimeMessage('m', { XDG_RUNTIME_DIR: '/run/user/7', DOCKER_HOST: 'tcp://h:2375' }, '/h', 7)).toContain(
      'DOCKER_HOST (tcp://h:2375), tc.host and docker.host in /h/.testcontainers.properties, and the sockets /var/run/docker.sock, /run/user/7/docker.sock,',
    );
  });

  it('reports any other start failure (pull, timeout) as a connection error with the image', () => {
    const err = startFailure(new Error('Failed to pull image "milvusdb/milvus:v9"'), 'milvusdb/milvus:v9', {});
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.kind).toBe('connection');
    expect(err.message).toMatchInlineSnapshot(
      `"Milvus container (milvusdb/milvus:v9) did not start: Failed to pull image "milvusdb/milvus:v9""`,
    );
  });
});

describe('importOptional', () => {
  it('loads the package when it is installed', async () => {
    const tc = await importOptional('testcontainers', () => import('testcontainers'));
    expect(typeof tc.GenericContainer).toBe('function');
  });

  it('says to install it when it is missing: invalid input (exit 2), with the install command', async () => {
    const missing = 'milvus-migrate-no-such-package';
    const err = await importOptional(missing, () => import(missing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(exitCodeOf((err as InvalidInputError).kind)).toBe(2);
    expect((err as InvalidInputError).message).toBe(
      `${missing} is not installed: --docker needs it (npm install --save-dev ${missing}@11)`,
    );
    expect((err as InvalidInputError).hint).toContain('or run without --docker');
  });

  it('lets other import failures through', async () => {
    const boom = new Error('syntax error in module');
    await expect(importOptional('testcontainers', () => Promise.reject(boom))).rejects.toBe(boom);
  });
});
