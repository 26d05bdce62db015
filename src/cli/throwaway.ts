import type { ResolvedConfig } from '../config/load.js';
import { errorMessage } from '../errors.js';
import type { Throwaway } from '../verify/throwaway.js';
import type { Output } from './output.js';
import type { GlobalArgs } from './session.js';

const INTERRUPTS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Opens a throwaway Milvus for `verify` / `diff`, runs `fn`, and removes it afterwards, also when
 * `fn` throws or the command is interrupted (Ctrl-C drops the throwaway database before exiting).
 * Only an address given for this command (`--address`, `MILVUS_ADDRESS`) is used as a shared
 * server: an address from the config file may be production, and is never touched.
 */
export async function withThrowaway<T>(
  cfg: ResolvedConfig,
  args: GlobalArgs & { readonly docker?: boolean | undefined },
  out: Output,
  fn: (throwaway: Throwaway) => Promise<T>,
): Promise<T> {
  const { openThrowaway } = await import('../verify/throwaway.js');
  const throwaway = await openThrowaway({
    docker: args.docker,
    server: cfg.addressGiven ? cfg.connection : undefined,
    logger: out.logger(),
  });
  out.log(`Working in ${throwaway.where}`);
  const onSignal = (signal: NodeJS.Signals) => {
    out.log(`${signal}: removing ${throwaway.where}`);
    void throwaway.dispose().finally(() => process.exit(130));
  };
  for (const s of INTERRUPTS) process.once(s, onSignal);
  try {
    return await fn(throwaway);
  } finally {
    for (const s of INTERRUPTS) process.off(s, onSignal);
    // A failed cleanup must not hide the command's own result; say what was left behind.
    await throwaway
      .dispose()
      .catch((err: unknown) => out.logger().warn(`could not remove ${throwaway.where}: ${errorMessage(err)}; remove it by hand`));
  }
}
