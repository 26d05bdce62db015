/**
 * Embedded Milvus: a local Milvus 2.3.5 started for the length of one command (or one test run),
 * or left running for a project (`milvus-migrate dev`).
 *
 * It is the PyPI package `milvus==2.3.5` ("Milvus Lite" of the 2.3 line), installed once into a
 * Python venv in the user's cache. Its `milvus-server` script is a Python wrapper that unpacks
 * ~450 MB of binaries into the data folder and spawns the real `DATA/bin/milvus run standalone`.
 *
 * Things this module exists to get right:
 * - Killing the wrapper alone leaves the `milvus` child running, so the wrapper is started in its
 *   own process group and the whole group is stopped, on every path out of the process.
 * - Only one Embedded Milvus fits a machine: its embedded etcd always binds 127.0.0.1:2380.
 *   A second start for the same data folder reuses the running server; one for another folder
 *   fails with an error that names the running one.
 * - The wrapper silently moves to the next free port when the one asked for is taken, so the
 *   port we talk to is read back from the config file it writes.
 * - Two commands starting at once must not both install or both spawn: a machine-wide start lock
 *   in the cache root serialises the "is one running? else spawn and record it" step.
 * - `dev start` leaves one running for the project (the dev server): its record says keepRunning,
 *   so no exit hook stops it, and every command reuses it in about a second.
 *
 * Files: the venv `<cacheRoot>/milvus-2.3.5`; `<cacheRoot>/running.json` (the server this tool
 * last started, to name it in errors) and `<cacheRoot>/start.lock`; `DATA/milvus-migrate-server.json`
 * (pid record of the server running for DATA); logs in `DATA/logs`.
 *
 * One job a file: `install` (the venv), `processes` (process groups, /proc), `records` (pid
 * records), `owner` (what a record means now: stale, or who stops the server), `dev` (the dev
 * server), `exit-hooks` (stop on every way out), `start-lock` (one start at a time), `reuse`,
 * `spawn` and `ready` (the three moves of `start`), `ports`, `probe`, `errors`, `server` (types).
 */
export { resolveCacheRoot } from '../../util/cache-root.js';
export {
  devServerVersion,
  findDevServer,
  startDevServer,
  stopDevServer,
  type DevServer,
  type DevServerLook,
  type DevServerOptions,
  type DevStart,
  type DevStop,
} from './dev.js';
export { EmbeddedMilvusBusyError, EmbeddedMilvusError } from './errors.js';
export { embeddedVenvDir, ensureEmbeddedInstalled } from './install.js';
export { findFreePort, isPortFree, proxyPortFromConfig } from './ports.js';
export { recordState, type ProcessFacts, type RecordState, type ServerRole } from './owner.js';
export { probeMilvus, probeVersion } from './probe.js';
export { DEFAULT_STOP_TIMEOUT_MS, dataDirFromMilvusArgv, findRunningEmbedded, parseProcStat, type ProcStat } from './processes.js';
export { PID_FILE_NAME, RUNNING_FILE_NAME, parsePidRecord, type EmbeddedPidRecord } from './records.js';
export {
  DEFAULT_READY_TIMEOUT_MS,
  EMBEDDED_ETCD_PEER_PORT,
  EMBEDDED_MILVUS_VERSION,
  EMBEDDED_ROOT_CREDENTIALS,
  type EmbeddedOptions,
  type EmbeddedServer,
  type RunningEmbedded,
} from './server.js';
export { WRAPPER_LOG_NAME, serverArgs } from './spawn.js';
export { startEmbedded } from './start.js';
export { lastLines } from './text.js';
