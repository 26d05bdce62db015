import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The cache root: `$MILVUS_MIGRATE_CACHE`, else `$XDG_CACHE_HOME/milvus-migrate`, else
 * `~/.cache/milvus-migrate`. Empty variables count as unset.
 */
export function resolveCacheRoot(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  if (env.MILVUS_MIGRATE_CACHE) return path.resolve(env.MILVUS_MIGRATE_CACHE);
  if (env.XDG_CACHE_HOME) return path.resolve(env.XDG_CACHE_HOME, 'milvus-migrate');
  return path.join(home, '.cache', 'milvus-migrate');
}
