/**
 * Pid records: `DATA/milvus-migrate-server.json` (the server running for DATA) and
 * `<cacheRoot>/running.json` (the server this tool last started, to name it in errors).
 *
 * A record also says who stops the server: the command `ownerPid` when it ends, or, once
 * `keepRunning` is set (`milvus-migrate dev start`), nobody but `dev stop`.
 */
import * as fs from 'node:fs';

/** Name of the record written into the data folder while a server runs. */
export const PID_FILE_NAME = 'milvus-migrate-server.json';
/** Name of the machine-wide record (in the cache root) of the server this tool last started. */
export const RUNNING_FILE_NAME = 'running.json';

/** What the pid file in the data folder (and the machine-wide record) holds. */
export interface EmbeddedPidRecord {
  /** Process group id; equals the wrapper's pid because it was spawned detached. */
  pgid: number;
  port: number;
  /** ISO timestamp. */
  startedAt: string;
  authorization: boolean;
  /** Absolute data folder. */
  dataDir: string;
  /** The Node process that started it and will stop it (absent once {@link keepRunning} is set). */
  ownerPid?: number;
  /**
   * The dev server: left running when its starter exits. Set by `dev start` on a server it starts
   * or finds; the exit hooks of the process that started it then leave it alone.
   */
  keepRunning?: true;
}

/** Parses a pid record; `undefined` for anything that is not one (a stale or foreign file). */
export function parsePidRecord(text: string): EmbeddedPidRecord | undefined {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!o || typeof o !== 'object') return undefined;
  const r = o as Record<string, unknown>;
  const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!isPositiveInt(r.pgid) || !isPositiveInt(r.port) || r.port > 65535) return undefined;
  if (typeof r.startedAt !== 'string' || typeof r.dataDir !== 'string' || !r.dataDir) return undefined;
  return {
    pgid: r.pgid,
    port: r.port,
    startedAt: r.startedAt,
    authorization: r.authorization === true,
    dataDir: r.dataDir,
    ...(isPositiveInt(r.ownerPid) ? { ownerPid: r.ownerPid } : {}),
    ...(r.keepRunning === true ? { keepRunning: true as const } : {}),
  };
}

export function readRecord(file: string): EmbeddedPidRecord | undefined {
  try {
    return parsePidRecord(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export function writeRecord(file: string, record: EmbeddedPidRecord): void {
  // Write then rename, so a concurrent reader never sees half a record.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** Removes a record only if it still describes process group `pgid` (another run may own it now). */
export function removeRecord(file: string, pgid: number): void {
  if (readRecord(file)?.pgid !== pgid) return;
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // best effort: a stale record is detected and removed on the next start
  }
}

/**
 * Whether the server of process group `pgid` was handed over to `dev` (its record in `file` says
 * keepRunning): then the process that started it must not stop it on its way out.
 */
export function keptRunning(file: string, pgid: number): boolean {
  const record = readRecord(file);
  return record?.pgid === pgid && record.keepRunning === true;
}

/** Marks process group `pgid` as the dev server in those of `files` that still describe it. */
export function markKeepRunning(files: readonly string[], pgid: number): void {
  for (const file of files) {
    const current = readRecord(file);
    if (current?.pgid !== pgid) continue;
    const { ownerPid: _owner, ...rest } = current;
    writeRecord(file, { ...rest, keepRunning: true });
  }
}
