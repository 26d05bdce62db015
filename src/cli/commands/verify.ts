import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { loadSettings, type GlobalArgs } from '../session.js';
import { withThrowaway } from '../throwaway.js';
import { errorJson, errorText } from '../render.js';
import { exitCodeOf, EXIT } from '../exit-codes.js';
import type { VerifyResult } from '../../verify/verify.js';
import type { ResolvedConfig } from '../../config/load.js';
import type { PoolResult, Target } from '../../fanout/index.js';
import type { Migration } from '../../migrations/model.js';
import { fanOutExitCode, fanOutJson, fanOutOptions, summaryText, type FanOutArgs, type TargetReport } from '../fanout.js';

export interface VerifyArgs extends GlobalArgs, FanOutArgs {
  readonly docker?: boolean | undefined;
  readonly strict?: boolean | undefined;
}

/** `verify`: every migration up, all down, up again on a throwaway Milvus, comparing schemas. */
export async function verify(args: VerifyArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  const [{ verifyMigrations }, { loadMigrations }] = await Promise.all([
    import('../../verify/verify.js'),
    import('../../migrations/load.js'),
  ]);
  // Invalid files are reported before any Milvus is started for them.
  const migrations = await loadMigrations(cfg.migrationsDir);
  const verifyOn = (config: ResolvedConfig, own: readonly Migration[]) =>
    withThrowaway(config, args, out, (throwaway) =>
      verifyMigrations({ throwaway, migrationsDir: config.migrationsDir, migrations: own, logger: out.logger() }),
    );
  if (args.targets !== undefined) return verifyTargets(args, out, cfg, migrations, verifyOn);
  const result = await verifyOn(cfg, migrations);
  const exitCode = verifyExitCode(result, args.strict ?? false);
  if (args.json) out.document(verifyJson(result, exitCode, args.strict ?? false));
  else out.result(await verifyText(out, result, args.strict ?? false));
  if (result.error) out.log(errorText(out, result.error));
  return exitCode;
}

function verifyExitCode(result: VerifyResult, strict: boolean): number {
  if (result.error) return exitCodeOf(result.error.kind);
  if (result.failed) return EXIT.migrationFailed;
  return result.irreversible && strict ? EXIT.invalidInput : EXIT.ok;
}

/**
 * `verify --targets`: verify proves migrations on a throwaway Milvus, never on the targets, so
 * targets sharing a migrations folder share one verification (run once, reported for each); an
 * environment with a folder of its own gets its own. One at a time: each may start a throwaway
 * Embedded Milvus, and only one fits a machine.
 */
async function verifyTargets(
  args: VerifyArgs,
  out: Output,
  cfg: ResolvedConfig,
  migrations: readonly Migration[],
  verifyOn: (config: ResolvedConfig, own: readonly Migration[]) => Promise<VerifyResult>,
): Promise<number> {
  const [{ fanOut }, { loadMigrations }] = await Promise.all([import('../../fanout/index.js'), import('../../migrations/load.js')]);
  const strict = args.strict ?? false;
  const report = (r: PoolResult<Target, unknown>): TargetReport => {
    if (r.state === 'not-started' || !r.value)
      return { counts: null, document: null, exitCode: r.state === 'not-started' ? 0 : exitCodeOf(r.error?.kind) };
    const result = r.value as VerifyResult;
    const exitCode = verifyExitCode(result, strict);
    return { counts: null, document: verifyJson(result, exitCode, strict), exitCode };
  };
  const byFolder = new Map<string, Promise<VerifyResult>>();
  let queue: Promise<unknown> = Promise.resolve();
  const opts = await fanOutOptions(args, cfg, out, report);
  const result = await fanOut<VerifyResult>({ ...opts, readOnly: true }, async ({ target }) => {
    const dir = target.config.migrationsDir;
    let verified = byFolder.get(dir);
    if (!verified) {
      verified = queue.then(async () => verifyOn(target.config, dir === cfg.migrationsDir ? migrations : await loadMigrations(dir)));
      queue = verified.catch(() => {});
      byFolder.set(dir, verified);
    }
    const value = await verified;
    return { value, error: value.error, failed: verifyExitCode(value, strict) !== 0 };
  });
  if (args.json) out.document(fanOutJson('verify', result, report));
  else out.result(summaryText(out, result, report));
  return fanOutExitCode(result, report);
}

function verifyJson(r: VerifyResult, exitCode: number, strict: boolean) {
  return {
    command: 'verify',
    ok: exitCode === 0,
    exitCode,
    where: r.where,
    strict,
    migrations: r.migrations.map((m) => ({
      name: m.name,
      up: m.up,
      down: m.down,
      reup: m.reup,
      differences: m.differences,
      message: m.message ?? null,
    })),
    error: r.error ? errorJson(r.error) : null,
  } satisfies JsonDocument<'verify'>;
}

async function verifyText(out: Output, r: VerifyResult, strict: boolean): Promise<string> {
  const { describeDifference } = await import('../../schema/compare.js');
  const c = out.colors;
  const lines = [`Verified ${r.migrations.length} migration${r.migrations.length === 1 ? '' : 's'} on ${r.where}: up, down, up again`];
  for (const m of r.migrations) {
    const bad = m.up === 'failed' || m.down === 'failed' || m.down === 'mismatch' || m.reup === 'failed' || m.reup === 'mismatch';
    const mark = bad ? c.red('✖') : m.down === 'irreversible' ? c.yellow('!') : m.up === 'ok' ? c.green('✔') : c.dim('·');
    lines.push(`  ${mark} ${m.name}  up ${m.up}, down ${m.down}, up again ${m.reup}`);
    if (m.down === 'mismatch') lines.push(`      its down does not undo its up:`);
    if (m.reup === 'mismatch') lines.push(`      applied again, it gives another schema than the first time:`);
    for (const d of m.differences) lines.push(`      ${describeDifference(d)}`);
    if (m.message) lines.push(`      ${c.dim(m.message)}`);
  }
  if (r.failed) lines.push(c.red('Verification failed.'));
  else if (r.irreversible)
    lines.push(
      strict ? c.red('An irreversible migration fails --strict.') : c.yellow('Passed; the down pass stopped at an irreversible migration.'),
    );
  else lines.push(c.green('Every down undoes its up.'));
  return lines.join('\n');
}
