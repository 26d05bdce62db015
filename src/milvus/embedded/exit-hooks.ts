/**
 * Cleanup on every way out of the process: the servers this process started are stopped on
 * exit, on an uncaught error and on SIGINT/SIGTERM/SIGHUP, so none outlives the command, unless
 * `dev start` marked it as the dev server meanwhile (its record says keepRunning).
 */
import { killGroup } from './processes.js';
import { keptRunning, removeRecord } from './records.js';

/** A server this process started: what the hooks need to stop it and clear its records. */
export interface Owned {
  pgid: number;
  pidFile: string;
  runningFile: string;
  stop(): Promise<void>;
}

/** Servers this process started and has not stopped yet, by process group. */
const owned = new Map<number, Owned>();
const EXIT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let exitHookInstalled = false;
let signalHooksInstalled = false;

/** Last resort, synchronous: the event loop is gone, so no waiting, just SIGKILL the groups. */
function onExit(): void {
  for (const s of owned.values()) {
    if (keptRunning(s.pidFile, s.pgid)) continue; // handed over to `dev start`: it outlives us
    killGroup(s.pgid, 'SIGKILL');
    removeRecord(s.pidFile, s.pgid);
    removeRecord(s.runningFile, s.pgid);
  }
  owned.clear();
}

/**
 * Stops the servers gracefully, then lets the signal do what it would have done: re-raised with
 * our handler removed, unless someone else (the CLI, a test runner) also listens and decides.
 * A second Ctrl-C during the stop hits the default handler and the exit hook SIGKILLs the group.
 */
function onSignal(signal: NodeJS.Signals): void {
  removeSignalHooks();
  void Promise.allSettled([...owned.values()].map((s) => s.stop())).then(() => {
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function removeSignalHooks(): void {
  for (const sig of EXIT_SIGNALS) process.removeListener(sig, onSignal);
  signalHooksInstalled = false;
}

function installHooks(): void {
  if (!exitHookInstalled) {
    process.on('exit', onExit);
    exitHookInstalled = true;
  }
  if (!signalHooksInstalled) {
    for (const sig of EXIT_SIGNALS) process.on(sig, onSignal);
    signalHooksInstalled = true;
  }
}

function uninstallHooksIfIdle(): void {
  if (owned.size > 0) return;
  process.removeListener('exit', onExit);
  exitHookInstalled = false;
  removeSignalHooks();
}

/** Stops `server` on every way out of the process, until {@link disownServer}. */
export function ownServer(server: Owned): void {
  owned.set(server.pgid, server);
  installHooks();
}

/** `pgid` was stopped: no more cleanup for it (and no hooks once nothing is owned). */
export function disownServer(pgid: number): void {
  owned.delete(pgid);
  uninstallHooksIfIdle();
}
