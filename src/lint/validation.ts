import { finding, type Analyzer, type Rule } from './types.js';

export const INVALID_FILE: Rule = { code: 'MM001', severity: 'error', title: 'migration file does not validate' };
export const INVALID_NAME: Rule = { code: 'MM002', severity: 'error', title: "name over 255 characters or not matching Milvus' name rule" };

/** What `validate` rejects, reported with codes: the validator's own problems, one finding each. */
export const validation: Analyzer = {
  rules: [INVALID_FILE, INVALID_NAME],
  *analyze(ctx) {
    for (const m of ctx.migrations) {
      for (const p of m.problems) {
        const rule = p.message.startsWith('invalid Milvus name') ? INVALID_NAME : INVALID_FILE;
        yield finding(rule, m, p.line, p.path ? `${p.path}: ${p.message}` : p.message);
      }
    }
  },
};
