import { atLeast } from '../milvus/version.js';
import { stepMinVersion } from '../steps/capabilities.js';
import { finding, type Analyzer, type Rule } from './types.js';

export const NEEDS_NEWER_MILVUS: Rule = {
  code: 'MM501',
  severity: 'error',
  title: 'step that needs a newer Milvus than the configured targetVersion',
};

/**
 * Steps the server of `targetVersion` (milvus.config.yaml) does not have: the same versions the
 * preflight checks against the connected server (each step's `minVersion`, the capability table's
 * `since`), found offline, e.g. planning on a 2.6 dev server for a 2.5 production. Silent when no
 * `targetVersion` is set.
 */
export const versions: Analyzer = {
  rules: [NEEDS_NEWER_MILVUS],
  *analyze(ctx) {
    const target = ctx.targetVersion;
    if (!target) return;
    for (const m of ctx.migrations) {
      for (const [direction, steps] of [
        ['up', m.up],
        ['down', m.down],
      ] as const) {
        for (const s of steps ?? []) {
          const needed = stepMinVersion(s.step, s.params);
          if (needed && !atLeast(target, needed)) {
            yield finding(
              NEEDS_NEWER_MILVUS,
              m,
              s.line,
              `${direction}: ${s.step} needs Milvus ${needed} or newer; targetVersion is ${target} (see docs/capabilities.md for what ${target} changes in place)`,
            );
          }
        }
      }
    }
  },
};
