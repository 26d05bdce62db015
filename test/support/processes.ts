/** Process checks of the tests' own, through /proc: not the tool's view of its servers. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';

/**
 * Whether any process of the group is still alive. Zombies do not count: an orphaned `milvus`
 * child (or a wrapper whose starter has exited) is reaped by PID 1 whenever PID 1 gets to it.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc')) return true;
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .some((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(group) === pgid && state !== 'Z';
      } catch {
        return false;
      }
    });
}
