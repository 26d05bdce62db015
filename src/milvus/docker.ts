/**
 * Milvus in Docker, through testcontainers: the `milvusdb/milvus` image's own standalone mode with
 * embedded etcd and local storage, as Milvus' `scripts/standalone_embed.sh` runs it. Used by the
 * test suite with `MILVUS_TEST_DOCKER=1` and by `verify --docker`; never the only way to get a
 * Milvus (Embedded Milvus and `MILVUS_ADDRESS` need no Docker).
 *
 * testcontainers is imported lazily, only when a container is started: the CLI must not load it
 * (or need it installed) unless `--docker` is used.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { ConnectionError, InvalidInputError, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { importModule } from '../util/dynamic-import.js';

/** Image used when neither `opts.image` nor `MILVUS_IMAGE` names one. */
export const DEFAULT_MILVUS_IMAGE = 'milvusdb/milvus:v2.5.16';
/** Milvus' gRPC port (what `MilvusClient` talks to). */
export const MILVUS_GRPC_PORT = 19530;
/** Milvus' metrics/health port; `GET /healthz` answers 200 once the server is ready. */
export const MILVUS_HEALTH_PORT = 9091;
/** Where the image's Milvus reads the embedded etcd's config (`ETCD_CONFIG_PATH`). */
export const EMBED_ETCD_CONFIG_PATH = '/milvus/configs/embedEtcd.yaml';
/**
 * How long a container may take to answer `/healthz`. standalone_embed.sh gives its health check a
 * 90 s start period; a cold 2-core machine needs about that, the image pull is not counted.
 */
export const DEFAULT_DOCKER_STARTUP_TIMEOUT_MS = 180_000;
/**
 * How long finding a Docker engine may take. testcontainers' client (docker-modem) has no timeout
 * of its own unless DOCKER_CLIENT_TIMEOUT is set, so a DOCKER_HOST that accepts but never answers
 * (or a host that drops packets) would hang the start for minutes.
 */
export const DEFAULT_DOCKER_DETECT_TIMEOUT_MS = 30_000;

/** What testcontainers 11 throws when none of its strategies finds a Docker engine that answers. */
const NO_RUNTIME_MESSAGE = 'Could not find a working container runtime strategy';

/**
 * The embedded etcd's config, as standalone_embed.sh writes it: listen on all interfaces inside the
 * container, a 4 GiB backend quota and revision-based compaction so a long test run does not fill it.
 */
export const EMBED_ETCD_CONFIG = [
  'listen-client-urls: http://0.0.0.0:2379',
  'advertise-client-urls: http://0.0.0.0:2379',
  'quota-backend-bytes: 4294967296',
  'auto-compaction-mode: revision',
  "auto-compaction-retention: '1000'",
  '',
].join('\n');

/** Everything that defines the Milvus container, as plain data (see {@link milvusContainerSpec}). */
export interface MilvusContainerSpec {
  image: string;
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  exposedPorts: readonly number[];
  /** Ready when `GET http://<container>:<port><path>` answers 200. */
  wait: { path: string; port: number; statusCode: number };
  /** Files written into the container before it starts. */
  files: readonly { target: string; content: string }[];
  securityOpt: readonly string[];
  startupTimeoutMs: number;
}

/**
 * The container that {@link startDockerMilvus} starts, mirroring Milvus' standalone_embed.sh.
 * The image is `opts.image`, else `MILVUS_IMAGE` from `opts.env`, else {@link DEFAULT_MILVUS_IMAGE}.
 * Authorization stays off (the image's default), so the server takes calls without a token.
 */
export function milvusContainerSpec(opts: { image?: string; env?: NodeJS.ProcessEnv } = {}): MilvusContainerSpec {
  return {
    image: opts.image || opts.env?.MILVUS_IMAGE || DEFAULT_MILVUS_IMAGE,
    command: ['milvus', 'run', 'standalone'],
    env: {
      ETCD_USE_EMBED: 'true',
      ETCD_DATA_DIR: '/var/lib/milvus/etcd',
      ETCD_CONFIG_PATH: EMBED_ETCD_CONFIG_PATH,
      COMMON_STORAGETYPE: 'local',
      DEPLOY_MODE: 'STANDALONE',
    },
    exposedPorts: [MILVUS_GRPC_PORT, MILVUS_HEALTH_PORT],
    wait: { path: '/healthz', port: MILVUS_HEALTH_PORT, statusCode: 200 },
    files: [{ target: EMBED_ETCD_CONFIG_PATH, content: EMBED_ETCD_CONFIG }],
    // standalone_embed.sh runs the image unconfined; some Docker seccomp profiles refuse syscalls Milvus makes.
    securityOpt: ['seccomp=unconfined'],
    startupTimeoutMs: DEFAULT_DOCKER_STARTUP_TIMEOUT_MS,
  };
}

/** A Milvus running in a container started by {@link startDockerMilvus}. */
export interface DockerMilvus {
  /** `host:port` of Milvus' gRPC port, ready for `MilvusClient`. */
  address: string;
  /** Stops and removes the container (its data goes with it). */
  stop(): Promise<void>;
}

/**
 * Starts Milvus standalone in Docker (see {@link milvusContainerSpec}) and resolves once `/healthz`
 * answers. Throws an {@link InvalidInputError} (exit 2) when testcontainers is not installed, and a
 * {@link ConnectionError} (exit 5) when no Docker engine is reachable (at once when none is
 * configured or its socket is missing; after {@link DEFAULT_DOCKER_DETECT_TIMEOUT_MS} when one does
 * not answer), or when the container does not get ready in time.
 */
export async function startDockerMilvus(opts: { image?: string; logger?: Logger } = {}): Promise<DockerMilvus> {
  const logger = opts.logger ?? silentLogger;
  const spec = milvusContainerSpec({ image: opts.image, env: process.env });
  const tc = await importOptional('testcontainers', () => importModule<typeof import('testcontainers')>('testcontainers'));
  logger.info(`Starting Milvus in Docker (${spec.image}); a first run pulls the image`);
  let container: StartedTestContainer;
  try {
    await detectContainerRuntime(tc);
    container = await milvusContainer(tc, spec).start();
  } catch (err) {
    throw startFailure(err, spec.image, process.env);
  }
  const address = `${container.getHost()}:${container.getMappedPort(MILVUS_GRPC_PORT)}`;
  logger.info(`Milvus (${spec.image}) is ready at ${address}`);
  return {
    address,
    async stop() {
      await container.stop();
    },
  };
}

/** The testcontainers `GenericContainer` for `spec` (not started). `tc` is the lazily imported module. */
export function milvusContainer(tc: typeof import('testcontainers'), spec: MilvusContainerSpec): GenericContainer {
  return new tc.GenericContainer(spec.image)
    .withCommand([...spec.command])
    .withEnvironment({ ...spec.env })
    .withExposedPorts(...spec.exposedPorts)
    .withCopyContentToContainer(spec.files.map((f) => ({ ...f })))
    .withSecurityOpt(...spec.securityOpt)
    .withWaitStrategy(tc.Wait.forHttp(spec.wait.path, spec.wait.port).forStatusCode(spec.wait.statusCode))
    .withStartupTimeout(spec.startupTimeoutMs);
}

/** Thrown when no container runtime strategy answered within the detect timeout. */
class NoAnswerError extends Error {}

/**
 * Finds a Docker engine the way `start()` would (testcontainers caches the client it finds, so
 * `start()` reuses it), bounded by `timeoutMs`.
 */
export async function detectContainerRuntime(
  tc: Pick<typeof import('testcontainers'), 'getContainerRuntimeClient'>,
  timeoutMs = DEFAULT_DOCKER_DETECT_TIMEOUT_MS,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(`${NO_RUNTIME_MESSAGE}: none answered within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([tc.getContainerRuntimeClient(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Imports an optional package, turning "not installed" into a clear error: testcontainers is only
 * needed for `--docker` / `MILVUS_TEST_DOCKER=1`, so it is not a runtime dependency.
 */
export async function importOptional<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && errorMessage(err).includes(name)) {
      // Invalid input (exit 2), not a connection failure: nothing was tried, and retrying will not help.
      throw new InvalidInputError(`${name} is not installed: --docker needs it (npm install --save-dev ${name}@11)`, [], {
        cause: err,
        hint: 'Install it in the project that runs milvus-migrate, or run without --docker (Embedded Milvus, or --address).',
      });
    }
    throw err;
  }
}

/** Turns a failed container start into a {@link ConnectionError} that says what to do. */
export function startFailure(err: unknown, image: string, env: NodeJS.ProcessEnv): ConnectionError {
  const endpoint = env.DOCKER_HOST || 'docker';
  if (errorMessage(err).includes(NO_RUNTIME_MESSAGE)) {
    const slow = err instanceof NoAnswerError ? ` (${err.message.slice(NO_RUNTIME_MESSAGE.length + 2)})` : '';
    return new ConnectionError(endpoint, noContainerRuntimeMessage(image, env, os.homedir(), os.userInfo().uid) + slow, {
      cause: err,
      hint: 'Start Docker or point DOCKER_HOST at it (DEBUG=testcontainers* shows why each place failed), or use a running Milvus (MILVUS_ADDRESS) or Embedded Milvus instead.',
    });
  }
  return new ConnectionError(endpoint, `Milvus container (${image}) did not start: ${errorMessage(err)}`, {
    cause: err,
    hint: 'Check that the image exists (MILVUS_IMAGE) and that Docker can pull and run it.',
  });
}

/** Names every place testcontainers 11 looked for a Docker engine, in its order. */
export function noContainerRuntimeMessage(image: string, env: NodeJS.ProcessEnv, home: string, uid: number): string {
  const sockets = [
    '/var/run/docker.sock',
    ...(env.XDG_RUNTIME_DIR ? [path.join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
    path.join(home, '.docker', 'run', 'docker.sock'),
    path.join(home, '.docker', 'desktop', 'docker.sock'),
    `/run/user/${uid}/docker.sock`,
  ];
  return (
    `No Docker engine is reachable to start Milvus (${image}): testcontainers looked at ` +
    `DOCKER_HOST (${env.DOCKER_HOST ? env.DOCKER_HOST : 'not set'}), tc.host and docker.host in ${path.join(home, '.testcontainers.properties')}, ` +
    `and the sockets ${sockets.join(', ')}`
  );
}
