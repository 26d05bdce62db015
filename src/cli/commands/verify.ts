import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { loadSettings, type GlobalArgs } from '../session.js';
import { withThrowaway } from '../throwaway.js';
import { errorJson, errorText } from '../render.js';
import { exitCodeOf, EXIT } from '../exit-codes.js';
import type { VerifyResult } from '../../verify/verify.js';

export interface VerifyArgs extends GlobalArgs {
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
  const result = await withThrowaway(cfg, args, out, (throwaway) =>
    verifyMigrations({ throwaway, migrationsDir: cfg.migrationsDir, migrations, logger: out.logger() }),
  );
  const exitCode = result.error
    ? exitCodeOf(result.error.kind)
    : result.failed
      ? EXIT.migrationFailed
      : result.irreversible && args.strict
        ? EXIT.invalidInput
        : EXIT.ok;
  if (args.json) out.document(verifyJson(result, exitCode, args.strict ?? false));
  else out.result(await verifyText(out, result, args.strict ?? false));
  if (result.error) out.log(errorText(out, result.error));
  return exitCode;
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
