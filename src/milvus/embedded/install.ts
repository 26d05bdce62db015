/**
 * Installing Embedded Milvus: a Python venv with the PyPI package `milvus==2.3.5` in the cache
 * root, built beside its final folder and renamed into place.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { errorMessage } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import { resolveCacheRoot } from '../../util/cache-root.js';
import { processAlive } from '../../util/process.js';
import { ADDRESS_HINT, EmbeddedMilvusError } from './errors.js';
import { EMBEDDED_MILVUS_VERSION } from './server.js';
import { indent, lastLines } from './text.js';

/** The venv folder of Embedded Milvus inside a cache root. */
export function embeddedVenvDir(cacheRoot: string): string {
  return path.join(cacheRoot, `milvus-${EMBEDDED_MILVUS_VERSION}`);
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a command, keeping the tail of its combined output. Rejects only when it cannot spawn. */
function run(cmd: string, args: readonly string[], logger: Logger): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_NO_INPUT: '1' } });
    let output = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (const line of lastLines(text, 1000)) logger.debug(line);
      output = (output + text).slice(-64 * 1024);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
}

function describeExit(r: RunResult): string {
  return r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
}

/**
 * Installs Embedded Milvus into `<cacheRoot>/milvus-2.3.5` (a Python venv with `milvus==2.3.5`)
 * unless it is there already, and returns the path of its `milvus-server` script.
 *
 * Safe when several processes install at once: each builds its own venv beside the target and
 * renames it into place; the first rename wins and the others throw theirs away.
 *
 * @throws {@link EmbeddedMilvusError} when python3, its venv module or pip fails, saying what to
 *   install or to use `--address` instead.
 */
export async function ensureEmbeddedInstalled(opts: { cacheDir?: string; logger?: Logger } = {}): Promise<string> {
  const logger = opts.logger ?? silentLogger;
  const cacheRoot = path.resolve(opts.cacheDir ?? resolveCacheRoot());
  const venv = embeddedVenvDir(cacheRoot);
  const script = path.join(venv, 'bin', 'milvus-server');
  if (fs.existsSync(script)) return script;

  await fsp.mkdir(cacheRoot, { recursive: true });
  await removeAbandonedInstalls(cacheRoot, venv);
  const tmp = path.join(cacheRoot, `${tmpPrefix(venv)}${process.pid}-${randomBytes(4).toString('hex')}`);
  logger.info(`Installing Embedded Milvus ${EMBEDDED_MILVUS_VERSION} into ${venv} (first use, ~35 s)`);
  const started = Date.now();
  try {
    let venvRun: RunResult;
    try {
      venvRun = await run('python3', ['-m', 'venv', tmp], logger);
    } catch (err) {
      throw new EmbeddedMilvusError(`Cannot install Embedded Milvus: python3 was not found (${errorMessage(err)}).`, {
        cause: err,
        hint: `Install Python 3 with its venv module (e.g. apt-get install python3 python3-venv), ${ADDRESS_HINT}.`,
      });
    }
    if (venvRun.code !== 0) {
      throw new EmbeddedMilvusError(
        `Cannot install Embedded Milvus: "python3 -m venv" failed (${describeExit(venvRun)}):\n${indent(lastLines(venvRun.output, 20))}`,
        {
          hint: `Install Python's venv and ensurepip modules (e.g. apt-get install python3-venv), ${ADDRESS_HINT}.`,
        },
      );
    }
    const pipRun = await run(
      path.join(tmp, 'bin', 'python3'),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', `milvus==${EMBEDDED_MILVUS_VERSION}`],
      logger,
    );
    if (pipRun.code !== 0) {
      throw new EmbeddedMilvusError(
        `Cannot install Embedded Milvus: "pip install milvus==${EMBEDDED_MILVUS_VERSION}" failed (${describeExit(pipRun)}):\n${indent(
          lastLines(pipRun.output, 20),
        )}`,
        { hint: `Check that pip can reach PyPI (proxy, network), ${ADDRESS_HINT}.` },
      );
    }
    if (!fs.existsSync(path.join(tmp, 'bin', 'milvus-server'))) {
      throw new EmbeddedMilvusError(
        `Cannot install Embedded Milvus: pip installed milvus==${EMBEDDED_MILVUS_VERSION} but no milvus-server script appeared in ${path.join(tmp, 'bin')}.`,
        {
          hint: `Install it by hand (python3 -m venv ${venv} && ${venv}/bin/pip install milvus==${EMBEDDED_MILVUS_VERSION}), ${ADDRESS_HINT}.`,
        },
      );
    }
    // A venv hard-codes its own path in script shebangs and activate scripts. Point them at the
    // final folder before the rename so the venv works as if it had been created there.
    await relocateVenvScripts(tmp, venv);
    await moveIntoPlace(tmp, venv, script);
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
  if (!fs.existsSync(script)) {
    throw new EmbeddedMilvusError(`Cannot install Embedded Milvus: ${script} is missing after the install.`, {
      hint: `Remove ${venv} and try again, ${ADDRESS_HINT}.`,
    });
  }
  logger.info(`Installed Embedded Milvus ${EMBEDDED_MILVUS_VERSION} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return script;
}

function tmpPrefix(venv: string): string {
  return `.${path.basename(venv)}.tmp-`;
}

/** Half-built venvs (~450 MB each) of installers that died, e.g. on Ctrl-C during pip. */
async function removeAbandonedInstalls(cacheRoot: string, venv: string): Promise<void> {
  const prefix = tmpPrefix(venv);
  for (const name of await fsp.readdir(cacheRoot).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const owner = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
      await fsp.rm(path.join(cacheRoot, name), { recursive: true, force: true }).catch(() => {});
    }
  }
}

async function relocateVenvScripts(from: string, to: string): Promise<void> {
  const files = [path.join(from, 'pyvenv.cfg')];
  for (const name of await fsp.readdir(path.join(from, 'bin'))) files.push(path.join(from, 'bin', name));
  for (const file of files) {
    const st = await fsp.lstat(file).catch(() => undefined);
    if (!st?.isFile() || st.size > 1024 * 1024) continue;
    const text = await fsp.readFile(file, 'utf8');
    if (text.includes(from)) await fsp.writeFile(file, text.split(from).join(to));
  }
}

/** Renames the finished venv into place; losing the race to another installer is fine. */
async function moveIntoPlace(tmp: string, venv: string, script: string): Promise<void> {
  try {
    await fsp.rename(tmp, venv);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  if (fs.existsSync(script)) return; // another process finished first
  // A broken venv (no script, e.g. an interrupted install by hand) is in the way: move it aside
  // atomically, so a concurrent reader never sees half of it, then take its place.
  const aside = `${venv}.broken-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fsp.rename(venv, aside).catch(() => {});
  await fsp.rm(aside, { recursive: true, force: true }).catch(() => {});
  await fsp.rename(tmp, venv).catch((err: NodeJS.ErrnoException) => {
    if (!fs.existsSync(script)) throw err;
  });
}
