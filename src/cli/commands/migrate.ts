import type { Output } from '../output.js';
import { createMigrator, loadSettings, parseSeconds, parseStep, withMilvus, type GlobalArgs } from '../session.js';
import { errorText, runJson, runText } from '../render.js';
import { exitCodeOf } from '../exit-codes.js';
import { started } from '../../runner/results.js';

export interface MigrateArgs extends GlobalArgs {
  readonly to?: string | undefined;
  readonly step?: unknown;
  readonly dryRun?: boolean | undefined;
  readonly allowDestructive?: boolean | undefined;
  readonly lockTimeout?: unknown;
  readonly allowChanged?: boolean | undefined;
  readonly allowOutOfOrder?: boolean | undefined;
  readonly backup?: boolean | undefined;
}

/** `up`, `down` and `plan` (= `up --dry-run`). */
export async function migrate(command: 'up' | 'down' | 'plan', args: MigrateArgs, out: Output): Promise<number> {
  const step = parseStep(args.step);
  const lockTimeout = parseSeconds('--lock-timeout', args.lockTimeout);
  const cfg = await loadSettings(args, out, { allowDestructive: args.allowDestructive ?? false });
  const dryRun = command === 'plan' || (args.dryRun ?? false);
  const run = await withMilvus(cfg, out, async (milvus) => {
    const migrator = await createMigrator(cfg, milvus, out, args.allowDestructive ?? false, { lockTimeout, backup: args.backup });
    if (command === 'down') {
      const to = args.to === '0' ? 0 : args.to;
      return migrator.down({ to, step, dryRun });
    }
    return migrator.up({ to: args.to, step, dryRun, allowChanged: args.allowChanged, allowOutOfOrder: args.allowOutOfOrder });
  });
  // Refused before the first change (invalid files, history, lock, preflight, destructive steps):
  // reported as any command's failure, as the run has nothing to show.
  if (run.error && !started(run)) throw run.error;
  if (args.json) out.document(runJson(command, run));
  else out.result(runText(out, run));
  if (run.error) out.log(errorText(out, run.error));
  return run.error ? exitCodeOf(run.error.kind) : 0;
}
