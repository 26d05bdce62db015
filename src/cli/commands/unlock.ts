import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import { createLock, loadSettings, withMilvus, type GlobalArgs } from '../session.js';
import { describeHolder } from '../../state/lock.js';

/** `unlock`: releases a lock left by a dead run, whoever holds it. */
export async function unlock(args: GlobalArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  const holder = await withMilvus(cfg, out, async (milvus) => (await createLock(cfg, milvus, out)).forceRelease());
  if (args.json)
    out.document({
      command: 'unlock',
      ok: true,
      exitCode: 0,
      released: holder ? { id: holder.id, host: holder.host, pid: holder.pid, command: holder.command, since: holder.since } : null,
    } satisfies JsonDocument<'unlock'>);
  else
    out.result(
      holder ? `${out.colors.green('✔')} Released the lock held by ${describeHolder(holder)}.` : 'The lock is free: nothing to release.',
    );
  return 0;
}
