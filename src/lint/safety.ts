import { STEPS } from '../steps/catalogue.js';
import { isDestructive } from '../steps/types.js';
import { finding, type Analyzer, type Finding, type LintContext, type LocatedStep, type Rule } from './types.js';
import { collectionKey, replay } from './world.js';

export const DESTRUCTIVE_WITHOUT_BACKUP: Rule = { code: 'MM101', severity: 'warning', title: 'destructive step without a backup' };
export const IRREVERSIBLE: Rule = {
  code: 'MM102',
  severity: 'warning',
  title: 'irreversible migration: no down, and a step has no inverse',
};
export const ALIAS_NAMES_DROPPED: Rule = { code: 'MM103', severity: 'error', title: 'dropped collection still named by an alias' };
export const DROPS_NEW_COLLECTION: Rule = {
  code: 'MM104',
  severity: 'warning',
  title: 'drop of a collection created by an earlier new migration',
};
export const EXEC_NOT_MARKED: Rule = { code: 'MM105', severity: 'warning', title: 'exec step that does not say whether it deletes data' };

/** A destructive step that can back up what it deletes takes a backup in this call (or by the config's default). */
function backedUp(s: LocatedStep, ctx: LintContext): boolean {
  const b = s.params.backup;
  return b === true || (b === undefined && ctx.backupByDefault);
}

/** Why `s` has no inverse offline, or undefined when `down` can be derived from it. */
function noInverse(s: LocatedStep, ctx: LintContext): string | undefined {
  const def = STEPS.get(s.step)!;
  if (!def.inverse) return `${s.step} has no inverse`;
  if (def.backsUp && isDestructive(def, s.params) && !backedUp(s, ctx)) return `${s.step} deletes data without a backup to restore it from`;
  // An inverse that reads what the step recorded (the keys an insert wrote, a backup) is known only
  // after the run: offline, only one that ignores the record (declares one param or none) can be asked.
  if (def.inverse.length < 2) {
    const inv = def.inverse(s.params, undefined);
    if ('irreversible' in inv) return `${s.step} has no inverse (${inv.irreversible})`;
  }
  return undefined;
}

/** Data loss and undo: backups, downs, aliases left dangling, `exec`. */
export const safety: Analyzer = {
  rules: [DESTRUCTIVE_WITHOUT_BACKUP, IRREVERSIBLE, ALIAS_NAMES_DROPPED, DROPS_NEW_COLLECTION, EXEC_NOT_MARKED],
  *analyze(ctx) {
    for (const m of ctx.migrations) {
      for (const s of [...(m.up ?? []), ...(m.down ?? [])]) {
        const def = STEPS.get(s.step)!;
        if (def.backsUp && isDestructive(def, s.params) && !backedUp(s, ctx)) {
          yield finding(
            DESTRUCTIVE_WITHOUT_BACKUP,
            m,
            s.line,
            `${s.step} deletes data and takes no backup (add backup: true, so its down can restore it)`,
          );
        }
        if (s.step === 'exec' && s.params.destructive === undefined) {
          yield finding(
            EXEC_NOT_MARKED,
            m,
            s.line,
            'exec runs a command the tool cannot see into: say destructive: true (it deletes data) or destructive: false',
          );
        }
      }
      if (m.format === 'yaml' && m.up && !m.hasDown) {
        const why = [...m.up]
          .reverse()
          .map((s) => [s, noInverse(s, ctx)] as const)
          .find(([, w]) => w);
        // The step's own reason may already say to write a down: (exec, upsert); then it is not said twice.
        const advice = why?.[1]!.includes('down:') ? '' : ' (write a down:)';
        if (why) yield finding(IRREVERSIBLE, m, why[0].line, `migration has no down and ${why[1]!}: down will refuse it${advice}`);
      }
      if (m.format === 'code' && !m.hasDown)
        yield finding(IRREVERSIBLE, m, undefined, 'code migration exports no down: down will refuse it');
    }
    yield* replay<Finding>(ctx, function* (s, m, world) {
      if (s.step !== 'dropCollection') return;
      const key = collectionKey(s.params);
      const aliases = world.aliasesOf(key);
      if (aliases.length) {
        yield finding(
          ALIAS_NAMES_DROPPED,
          m,
          s.line,
          `${String(s.params.collection_name)} is dropped while alias ${aliases.join(', ')} still names it (drop or alter the alias first)`,
        );
      }
      const created = world.collections.get(key)?.createdBy;
      if (ctx.base && created && created !== m.name && !ctx.base.checksums.has(created)) {
        yield finding(
          DROPS_NEW_COLLECTION,
          m,
          s.line,
          `${String(s.params.collection_name)} was created by ${created}, also new on this branch: drop it there instead of adding a drop?`,
        );
      }
    });
  },
};
