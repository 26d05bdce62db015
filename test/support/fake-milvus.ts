/**
 * A fake Milvus for unit tests of steps: it records every call (and every checkpoint, so the
 * order "save what was there, then change it" shows) and answers as the tests tell it.
 */
import { silentLogger } from '../../src/logger.js';
import type { Milvus } from '../../src/milvus/client.js';
import { checkResponse } from '../../src/milvus/status.js';
import type { StepContext, StepDefinition, StepRecord } from '../../src/steps/types.js';
import type { PlannedMigration } from '../../src/runner/plan.js';
import { yamlMigration, type YamlStep } from './fixtures.js';

export type Answers = Record<string, (req: any) => unknown>;
export const OK = { error_code: 'Success', reason: '', code: 0 };

/**
 * A Milvus whose `call(method, req)` records the call and answers from `answers` (success by
 * default), checked as the real one checks answers: a failure status throws. `client` stands
 * for the SDK client (steps that need a method the installed SDK may lack look for it there).
 */
export function fakeMilvus(answers: Answers = {}, version = 'v2.3.5-lite', client?: object) {
  const calls: [string, unknown][] = [];
  const milvus = {
    database: 'default',
    address: '127.0.0.1:19530',
    logger: silentLogger,
    ...(client ? { client } : {}),
    async call(method: string, req: unknown) {
      calls.push([method, req]);
      return checkResponse(method, answers[method]?.(req) ?? OK);
    },
    async version() {
      return version;
    },
  };
  return { milvus: milvus as unknown as Milvus, calls };
}

/** Runs one step with `input` against {@link fakeMilvus}: the calls it made, what it recorded, and its inverse. */
export async function runStep<P extends Record<string, unknown>>(
  step: StepDefinition<P>,
  input: unknown,
  answers: Answers = {},
  opts: { resumed?: boolean; previous?: StepRecord } = {},
) {
  const { milvus, calls } = fakeMilvus(answers);
  const ctx: StepContext = {
    milvus,
    logger: silentLogger,
    migration: { name: 'm', dir: '/m' },
    index: 0,
    resumed: opts.resumed ?? false,
    previous: opts.previous,
    checkpoint: async (progress) => void calls.push(['checkpoint', progress]),
  };
  const params = step.params.parse(input);
  const recorded = await step.run(ctx, params);
  return { calls, recorded, inverse: step.inverse?.(params, recorded ?? undefined) };
}

/** A first `up` of a YAML migration `name` with `up` steps, as the runner plans it (for the preflight). */
export function planOf(name: string, up: readonly YamlStep[]): PlannedMigration {
  const migration = yamlMigration(name, up);
  return {
    migration,
    direction: 'up',
    steps: migration.up.kind === 'steps' ? migration.up.steps : [],
    body: migration.up,
    notes: [],
    resumeFrom: 0,
    row: undefined,
  };
}
