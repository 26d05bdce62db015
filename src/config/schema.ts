/**
 * The shape of milvus.config.yaml, as zod schemas. Messages say what is allowed and never echo the
 * offending value: a value in the wrong place may be a token or password.
 */
import * as z from 'zod';
import { isValidMilvusName, MILVUS_NAME_RULE } from './names.js';

/** Keys of an `embedded:` map. */
export const EMBEDDED_KEYS = ['dataDir', 'port', 'authorization'] as const;

/**
 * Keys a settings layer may have: the top level and each entry of `environments`. An environment
 * may override anything but `environments` itself (e.g. its own `stateCollection`).
 */
export const LAYER_KEYS = [
  'migrations',
  'stateCollection',
  'address',
  'token',
  'username',
  'password',
  'database',
  'ssl',
  'embedded',
  'allowDestructive',
  'lockTimeout',
  'lockStaleAfter',
  'backup',
  'backupDir',
] as const;

/** Keys allowed at the top level of the file (`targets`: see `targets.ts`). */
export const ROOT_KEYS = [...LAYER_KEYS, 'environments', 'targets'] as const;

/** Keys whose values are secrets: never echoed, always scrubbed from output. */
export const SECRET_KEYS: readonly string[] = ['token', 'password'];

/** `must be …`, or `is empty` for a key written with no value (YAML null). */
function expected(description: string) {
  return (issue: { input?: unknown }) =>
    issue.input === null || issue.input === undefined ? `is empty (expected ${description})` : `must be ${description}`;
}

/*
 * Coercions: `${VAR}` always interpolates to a string, so `port: ${PORT}` or `ssl: ${SSL}` would
 * otherwise be unusable. Numeric strings become numbers for number keys and 'true'/'false' become
 * booleans for boolean keys, whether they came from a variable or were quoted in the file.
 * Nothing else is coerced: `ssl: yes` is an error rather than a YAML 1.1 guess.
 */
const toBoolean = (v: unknown): unknown => (v === 'true' ? true : v === 'false' ? false : v);
const toNumber = (v: unknown): unknown => (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v);

const booleanField = z.preprocess(toBoolean, z.boolean({ error: expected('true or false') }));

const stringField = (description: string) =>
  z.string({ error: expected(description) }).min(1, { error: `is empty (expected ${description})` });

const nameField = (what: 'collection' | 'database') => {
  const description = `a valid Milvus ${what} name: ${MILVUS_NAME_RULE}`;
  return z.string({ error: expected(description) }).refine(isValidMilvusName, { error: `must be ${description}` });
};

// A YAML number (`password: 012345`) loses leading zeros, so secrets must be quoted, not coerced.
const secretField = z.string({ error: expected('a string (quote the value)') });

const portDescription = 'a port number (1-65535)';
const portField = z.preprocess(
  toNumber,
  z
    .number({ error: expected(portDescription) })
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 65535, { error: `must be ${portDescription}` }),
);

const secondsDescription = 'a number of seconds (0 or more)';
const secondsField = z.preprocess(
  toNumber,
  z.number({ error: expected(secondsDescription) }).refine((n) => Number.isFinite(n) && n >= 0, { error: `must be ${secondsDescription}` }),
);

/** `embedded: { … }`: settings of the Embedded Milvus started for the command. */
export const EmbeddedSchema = z.strictObject({
  /** Data folder, relative to the config file's directory. */
  dataDir: stringField('a folder path').optional(),
  port: portField.optional(),
  /** Start the server with authentication on (user root, password Milvus). */
  authorization: booleanField.optional(),
});

/** One settings layer: the top level (minus `environments`) or one environment. */
export const LayerSchema = z.strictObject({
  migrations: stringField('a folder path, relative to the config file').optional(),
  stateCollection: nameField('collection').optional(),
  address: stringField('a Milvus address, e.g. localhost:19530 or https://host:443').optional(),
  token: secretField.optional(),
  username: stringField('a string (quote the value)').optional(),
  password: secretField.optional(),
  database: nameField('database').optional(),
  ssl: booleanField.optional(),
  embedded: z
    .preprocess(
      toBoolean,
      z.union([z.boolean(), EmbeddedSchema], { error: expected('true, false or a map with dataDir, port, authorization') }),
    )
    .optional(),
  allowDestructive: booleanField.optional(),
  /** Seconds to wait for another run's lock before giving up. */
  lockTimeout: secondsField.optional(),
  /** Seconds without a heartbeat after which a lock left by a dead run is taken over. */
  lockStaleAfter: secondsField.optional(),
  /** Back up every dropPartition, dropCollection and delete, not only those with `backup: true`. */
  backup: booleanField.optional(),
  /** Folder of the backups, relative to the config file. */
  backupDir: stringField('a folder path, relative to the config file').optional(),
});

/** A validated settings layer. */
export type ConfigLayer = z.output<typeof LayerSchema>;
/** A validated `embedded:` map. */
export type EmbeddedSettings = z.output<typeof EmbeddedSchema>;
