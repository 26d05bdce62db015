/** Ports: finding a free one, and reading back the one the wrapper really took. */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DEFAULT_EMBEDDED_PORT } from '../../config/defaults.js';
import { ADDRESS_HINT, EmbeddedMilvusError } from './errors.js';

/**
 * The proxy port from the `milvus.yaml` the wrapper writes: `port:` directly under the top-level
 * `proxy:` section (deeper `port:` keys, e.g. `proxy.http`, do not count).
 */
export function proxyPortFromConfig(yamlText: string): number | undefined {
  let inProxy = false;
  for (const line of yamlText.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inProxy = /^proxy:\s*(#.*)?$/.test(line);
      continue;
    }
    if (!inProxy) continue;
    const m = /^ {2}port:\s*(\d+)\s*(#.*)?$/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** The proxy port of the server for `dataDir`, from the config file its wrapper wrote. */
export function readProxyPort(dataDir: string): number | undefined {
  try {
    return proxyPortFromConfig(fs.readFileSync(path.join(dataDir, 'configs', 'milvus.yaml'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The first port from `start` that `isFree` accepts, trying `tries` ports. */
export async function findFreePort(
  start: number = DEFAULT_EMBEDDED_PORT,
  options: { tries?: number; isFree?: (port: number) => Promise<boolean> } = {},
): Promise<number> {
  const tries = options.tries ?? 100;
  const isFree = options.isFree ?? isPortFree;
  for (let port = start; port < start + tries && port <= 65535; port++) {
    if (await isFree(port)) return port;
  }
  throw new EmbeddedMilvusError(`No free port for Embedded Milvus in ${start}-${start + tries - 1}.`, {
    hint: `Pass a free port, ${ADDRESS_HINT}.`,
  });
}

/**
 * Whether a TCP port can be listened on. Milvus listens on every interface while the wrapper
 * only tries 127.0.0.1, so both are checked: either being taken makes the port unusable.
 */
export async function isPortFree(port: number, hosts: readonly (string | undefined)[] = [undefined, '127.0.0.1']): Promise<boolean> {
  for (const host of hosts) {
    if (!(await canListen(port, host))) return false;
  }
  return true;
}

function canListen(port: number, host: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      // Only "taken" (or "not allowed") means not free; e.g. no IPv6 on the host is not our concern.
      resolve(!(err.code === 'EADDRINUSE' || err.code === 'EACCES'));
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * Socket inodes listening on `port`, from the text of `/proc/net/tcp` or `/proc/net/tcp6`
 * (`local_address` is `HEXIP:HEXPORT`, state `0A` is LISTEN, the inode is the 10th column).
 */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const local = cols[1];
    if (!local || cols[3] !== '0A' || cols[9] === undefined) continue;
    if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.push(cols[9]);
  }
  return inodes;
}

/**
 * Who listens on `port` in this network namespace, e.g. `pid 812 (docker-proxy)`, for messages;
 * `undefined` where that cannot be told (not Linux, another user's process).
 */
export function portHolder(port: number): string | undefined {
  let inodes: string[];
  try {
    inodes = ['tcp', 'tcp6'].flatMap((f) => {
      try {
        return listeningInodes(fs.readFileSync(`/proc/net/${f}`, 'utf8'), port);
      } catch {
        return [];
      }
    });
    if (!inodes.length) return undefined;
    const wanted = new Set(inodes.map((i) => `socket:[${i}]`));
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let fds: string[];
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          if (!wanted.has(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))) continue;
        } catch {
          continue;
        }
        const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        return `pid ${pid} (${comm})`;
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}
