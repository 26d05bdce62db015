import type { Output } from '../output.js';
import { backupsJson, backupsText, type BackupLine } from '../render.js';
import { loadSettings, type GlobalArgs } from '../session.js';

export interface BackupsArgs extends GlobalArgs {
  readonly verify?: boolean | undefined;
}

/**
 * `backups`: the backups in the configured folder, with rows and size, each re-hashed against its
 * manifest unless `--no-verify`. Reads the folder only: no Milvus needed.
 */
export async function backups(args: BackupsArgs, out: Output): Promise<number> {
  const cfg = await loadSettings(args, out);
  const { listBackups, verifyBackup } = await import('../../backup/manifest.js');
  const lines: BackupLine[] = [];
  for (const entry of await listBackups(cfg.backupDir)) {
    if (args.verify === false || !entry.manifest) {
      lines.push({ entry, verified: entry.manifest ? undefined : false });
      continue;
    }
    const check = await verifyBackup(entry.dir);
    lines.push({ entry, verified: check.ok, problem: check.ok ? undefined : check.problem });
  }
  if (args.json) out.document(backupsJson(cfg.backupDir, lines));
  else out.result(backupsText(out, cfg.backupDir, lines));
  return 0;
}
