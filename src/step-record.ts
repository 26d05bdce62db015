/**
 * Facts a step records when it runs, kept in the state collection and handed to its inverse
 * (e.g. the alias target before `alterAlias`, the index params before `dropIndex`). Defined here,
 * below both the state and the steps, so the state knows what it keeps without knowing any step.
 */
export type StepRecord = Readonly<Record<string, unknown>>;
