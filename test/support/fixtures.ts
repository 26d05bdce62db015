/**
 * In-memory values for unit tests of the runner, the plan and the state: parsed migrations, the
 * state rows a run leaves, and a logger that keeps what it was told. No Milvus, no files.
 */
import type { Logger, ProgressUpdate } from '../../src/logger.js';
import type { Migration, MigrationBody } from '../../src/migrations/model.js';
import type { StateRow } from '../../src/state/store.js';

/** One step as YAML writes it: `{ createPartition: { collection_name: c, partition_name: p } }`. */
export type YamlStep = Readonly<Record<string, Record<string, unknown>>>;

function body(steps: readonly YamlStep[]): MigrationBody {
  return {
    kind: 'steps',
    steps: steps.map((s) => {
      const [step, params] = Object.entries(s)[0]!;
      return { step, params };
    }),
  };
}

/**
 * A YAML migration as parsed from `/m/<name>.yaml`, with checksum `sum-<name>` (the checksum of
 * {@link stateRow}, so a row and its migration match unless a test says otherwise). Without
 * `down`, the down is derived by inverting `up`.
 */
export function yamlMigration(name: string, up: readonly YamlStep[], opts: { down?: readonly YamlStep[] } = {}): Migration {
  return {
    name,
    path: `/m/${name}.yaml`,
    format: 'yaml',
    checksum: `sum-${name}`,
    description: undefined,
    up: body(up),
    down: opts.down && body(opts.down),
  };
}

/** The state row a successful one-step `up` of {@link yamlMigration} `name` leaves; `over` replaces fields. */
export function stateRow(name: string, over: Partial<StateRow> = {}): StateRow {
  return {
    name,
    checksum: `sum-${name}`,
    status: 'applied',
    steps_done: 1,
    applied_at: '2026-11-28T00:00:00.000Z',
    duration_ms: 5,
    applied_by: 'u@h',
    tool_version: '0.1.0',
    last_error: '',
    details: { direction: 'up' },
    ...over,
  };
}

/** A {@link Logger} that keeps every message (debug is dropped). */
export interface RecordingLogger extends Logger {
  /** Everything in order: info as it is, `warning: <message>`, `progress: <message>`. */
  readonly lines: string[];
  readonly infos: string[];
  readonly warnings: string[];
  /** Each progress update: its message and its numbers. */
  readonly updates: [message: string, update: ProgressUpdate | undefined][];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const infos: string[] = [];
  const warnings: string[] = [];
  const updates: [string, ProgressUpdate | undefined][] = [];
  return {
    lines,
    infos,
    warnings,
    updates,
    debug() {},
    info: (m) => void (lines.push(m), infos.push(m)),
    warn: (m) => void (lines.push(`warning: ${m}`), warnings.push(m)),
    progress: (m, u) => void (lines.push(`progress: ${m}`), updates.push([m, u])),
  };
}
