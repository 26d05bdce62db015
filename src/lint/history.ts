import { finding, type Analyzer, type Rule } from './types.js';

export const SORTS_BEFORE_BASE: Rule = {
  code: 'MM401',
  severity: 'error',
  title: 'new migration sorts before the newest one on the base branch',
};
export const EDITED_ON_BASE: Rule = { code: 'MM402', severity: 'error', title: 'migration already on the base branch was edited' };

/** Against the base branch (`--base <ref>`): parallel branches, and edits of what may have run already. */
export const history: Analyzer = {
  rules: [SORTS_BEFORE_BASE, EDITED_ON_BASE],
  *analyze(ctx) {
    if (!ctx.base) return;
    const { ref, checksums } = ctx.base;
    const newest = [...checksums.keys()].sort().at(-1);
    for (const m of ctx.migrations) {
      const before = checksums.get(m.name);
      if (before === undefined) {
        if (newest !== undefined && m.name < newest) {
          yield finding(
            SORTS_BEFORE_BASE,
            m,
            undefined,
            `new, but named before ${newest} on ${ref}: databases that ran ${ref} refuse it as out of order (rename it with a later timestamp)`,
          );
        }
      } else if (before !== m.checksum) {
        yield finding(
          EDITED_ON_BASE,
          m,
          undefined,
          `edited since ${ref}, where it may have been applied already (checksum differs): revert the edit and write a new migration`,
        );
      }
    }
  },
};
