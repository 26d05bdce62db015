import type { DevServer } from '../../milvus/embedded/index.js';
import { InvalidInputError } from '../../errors.js';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { loadSettings, parseSeconds, type GlobalArgs } from '../session.js';

export type DevAction = 'start' | 'stop' | 'status';

export interface DevArgs extends GlobalArgs {
  readonly action?: DevAction | undefined;
  /** `dev stop`: seconds to wait after SIGTERM before SIGKILL. */
  readonly stopTimeout?: number | undefined;
}

type DevDocument = JsonDocument<'dev'>;
type Facts = Omit<DevDocument, 'command' | 'ok' | 'exitCode' | 'action' | 'dataDir'>;

/**
 * `dev start | stop | status`: the project's Embedded Milvus, left running between commands so
 * that each of them reuses it instead of starting its own.
 */
export async function dev(args: DevArgs, out: Output): Promise<number> {
  const action = args.action ?? 'start';
  const timeoutSeconds = parseSeconds('--stop-timeout', args.stopTimeout);
  const cfg = await loadSettings(args, out);
  if (!cfg.embedded) {
    throw new InvalidInputError(
      `dev runs the project's Embedded Milvus, but ${args.env ? `environment ${args.env}` : 'this config'} uses the Milvus at ${cfg.connection.address}.`,
      [],
      {
        hint: 'Set embedded: true in milvus.config.yaml (or pick an environment that has it), and unset MILVUS_ADDRESS / drop --address.',
      },
    );
  }
  const embedded = await import('../../milvus/embedded/index.js');
  const logger = out.logger();
  const { dataDir } = cfg.embedded;
  let facts: Facts;
  if (action === 'start') {
    const r = await embedded.startDevServer({
      dataDir,
      ...(cfg.embedded.port !== undefined ? { port: cfg.embedded.port } : {}),
      ...(cfg.embedded.authorization ? { authorization: true } : {}),
      logger,
    });
    const notes: string[] = [];
    if (r.movedFrom !== undefined)
      notes.push(
        `127.0.0.1:${r.movedFrom.port} was taken${r.movedFrom.takenBy ? ` (by ${r.movedFrom.takenBy})` : ''}, so it listens on ${r.server.address} instead: this project's commands find it anyway; ` +
          `point other clients (your app, Attu) at ${r.server.address}.`,
      );
    if (r.server.role === 'unrecorded')
      notes.push('It was not started by milvus-migrate: commands use it, but dev stop stops it only by its process group.');
    facts = {
      running: true,
      changed: r.outcome !== 'running',
      server: await serverJson(r.server, embedded.devServerVersion),
      killed: false,
      staleRecordRemoved: r.staleRecordRemoved,
      notes,
    };
    if (!args.json) out.result(startText(out, r.outcome, facts));
  } else if (action === 'stop') {
    const r = await embedded.stopDevServer({
      dataDir,
      logger,
      timeoutMs: timeoutSeconds !== undefined ? timeoutSeconds * 1000 : undefined,
    });
    const server = r.stopped ?? r.left;
    facts = {
      running: r.left !== undefined,
      changed: r.stopped !== undefined,
      server: server ? await serverJson(server) : null,
      killed: r.outcome === 'killed',
      staleRecordRemoved: r.staleRecordRemoved,
      notes: [],
    };
    if (!args.json) out.result(stopText(out, dataDir, r.stopped, r.left, facts.killed));
  } else {
    const look = embedded.findDevServer({ dataDir, logger });
    facts = {
      running: look.server !== undefined,
      changed: false,
      server: look.server ? await serverJson(look.server, embedded.devServerVersion) : null,
      killed: false,
      staleRecordRemoved: look.staleRecordRemoved,
      notes: [],
    };
    if (!args.json) out.result(statusText(dataDir, facts));
  }
  if (args.json) out.document({ command: 'dev', ok: true, exitCode: 0, action, dataDir, ...facts } satisfies DevDocument);
  else if (facts.staleRecordRemoved) out.log(`Removed the record of a server that is gone (${dataDir}).`);
  for (const note of facts.notes) out.log(out.colors.yellow(`note: ${note}`));
  return 0;
}

type ServerJson = NonNullable<DevDocument['server']>;

async function serverJson(s: DevServer, version?: (s: DevServer) => Promise<string | undefined>): Promise<ServerJson> {
  return {
    address: s.address ?? null,
    pid: s.pid,
    role: s.role,
    ownerPid: s.ownerPid ?? null,
    startedAt: s.startedAt ?? null,
    uptimeMs: s.startedAt ? Math.max(0, Date.now() - Date.parse(s.startedAt)) : null,
    version: (await version?.(s)) ?? null,
    authorization: s.authorization ?? null,
    reachable: s.reachable,
    logsDir: s.logsDir,
  };
}

/** `3 h 4 min`, `4 min 12 s`, `12 s`. */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

function where(s: ServerJson): string {
  const bits = [`pid ${s.pid}`];
  if (s.uptimeMs !== null) bits.push(`up ${formatUptime(s.uptimeMs)}`);
  if (s.version) bits.push(`Milvus ${s.version}`);
  return `${s.address ?? 'an unknown port'} (${bits.join(', ')})`;
}

function startText(out: Output, outcome: 'started' | 'kept' | 'running', f: Facts): string {
  const s = f.server!;
  const head =
    outcome === 'started'
      ? `${out.colors.green('✔')} Dev server running on ${where(s)}`
      : outcome === 'kept'
        ? `${out.colors.green('✔')} The Embedded Milvus already running for this project stays up now, as the dev server: ${where(s)}`
        : `The dev server is already running on ${where(s)}`;
  const lines = [head, `  logs in ${s.logsDir}`];
  if (!s.version) lines.push(out.colors.yellow(`  it does not answer yet: see the logs`));
  lines.push('  Commands in this project use it now (about a second each); `milvus-migrate dev stop` stops it.');
  return lines.join('\n');
}

function stopText(out: Output, dataDir: string, stopped: DevServer | undefined, left: DevServer | undefined, killed: boolean): string {
  if (stopped)
    return `${out.colors.green('✔')} Stopped the Embedded Milvus for ${dataDir} (pid ${stopped.pid}${stopped.address ? `, ${stopped.address}` : ''})${
      killed ? ': it did not stop on SIGTERM in time and was killed' : ''
    }.`;
  if (left)
    return `The Embedded Milvus for ${dataDir} (pid ${left.pid}) belongs to a running milvus-migrate command (pid ${left.ownerPid}), which stops it when it ends: nothing to stop.`;
  return `No dev server runs for ${dataDir}: nothing to stop.`;
}

const ROLE: Record<ServerJson['role'], string> = {
  dev: 'the dev server (`milvus-migrate dev stop` stops it)',
  command: 'started for one command, which stops it when it ends',
  orphan: 'left behind by a command that died (`milvus-migrate dev stop` stops it; `dev start` keeps it)',
  unrecorded: 'not started by milvus-migrate',
};

function statusText(dataDir: string, f: Facts): string {
  const s = f.server;
  if (!s) return `No dev server runs for ${dataDir}. Start one with \`milvus-migrate dev start\`.`;
  const rows: [string, string][] = [
    ['address', s.address ?? 'unknown (its config file cannot be read)'],
    ['pid', String(s.pid)],
    ['data', dataDir],
    ['uptime', s.uptimeMs !== null ? formatUptime(s.uptimeMs) : 'unknown'],
    ['version', s.version ?? (s.reachable ? 'no answer (see the logs)' : 'unknown: it runs in another network namespace')],
    ['role', s.role === 'command' ? `${ROLE.command} (pid ${s.ownerPid})` : ROLE[s.role]],
    ['logs', s.logsDir],
  ];
  return [`Embedded Milvus for this project: running`, ...rows.map(([k, v]) => `  ${k.padEnd(8)}${v}`)].join('\n');
}
