/**
 * The shape of milvus.config.yaml, as zod schemas. Messages say what is allowed and never echo the
 * offending value: a value in the wrong place may be a token or password.
 */
import * as z from 'zod';
import { isValidMilvusName, MILVUS_NAME_RULE } from './names.js';

/** Keys of an `embedded:` map. */
export const EMBEDDED_KEYS = ['dataDir', 'port', 'authorization'] as const;

/** Keys of a `tls:` map. */
export const TLS_KEYS = ['caFile', 'certFile', 'keyFile', 'serverName', 'skipVerify'] as const;

/**
 * Keys a settings layer may have: the top level and each entry of `environments`. An environment
 * may override anything but `environments` itself (e.g. its own `stateCollection`).
 */
export const LAYER_KEYS = [
  'migrations',
  'stateCollection',
  'address',
  'uri',
  'token',
  'username',
  'password',
  'database',
  'ssl',
  'tls',
  'timeout',
  'retryWindow',
  'embedded',
  'allowDestructive',
  'lockTimeout',
  'lockStaleAfter',
  'backup',
  'backupDir',
  'importDir',
  'targetVersion',
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

const positiveSecondsDescription = 'a number of seconds (more than 0)';
const positiveSecondsField = z.preprocess(
  toNumber,
  z
    .number({ error: expected(positiveSecondsDescription) })
    .refine((n) => Number.isFinite(n) && n > 0, { error: `must be ${positiveSecondsDescription}` }),
);

/**
 * `tls: { … }`: TLS beyond `ssl: true`. Any key turns TLS on. An environment's `tls` replaces the
 * top level's as a whole: a `skipVerify: true` meant for local tests must not leak into production.
 */
export const TlsSchema = z
  .strictObject({
    /** PEM file of the CA that signed the server's certificate (a private CA), relative to the config file. */
    caFile: stringField('a file path, relative to the config file').optional(),
    /** PEM client certificate, for servers that require one (Milvus `tlsMode: 2`). */
    certFile: stringField('a file path, relative to the config file').optional(),
    /** PEM private key of `certFile`. */
    keyFile: stringField('a file path, relative to the config file').optional(),
    /** The name the server's certificate is checked against, when it differs from the address' host. */
    serverName: stringField('a host name').optional(),
    /** Accept any server certificate: for local tests only, never production. */
    skipVerify: booleanField.optional(),
  })
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
    error: 'certFile and keyFile go together: give both for a client certificate, or neither',
  });

/** One settings layer: the top level (minus `environments`) or one environment. */
export const LayerSchema = z.strictObject({
  migrations: stringField('a folder path, relative to the config file').optional(),
  stateCollection: nameField('collection').optional(),
  address: stringField('a Milvus address, e.g. localhost:19530 or https://host:443').optional(),
  /** Synonym of `address` (the name pymilvus uses); a layer may have one of them, not both. */
  uri: stringField('a Milvus address, e.g. localhost:19530 or https://host:443').optional(),
  token: secretField.optional(),
  username: stringField('a string (quote the value)').optional(),
  password: secretField.optional(),
  database: nameField('database').optional(),
  ssl: booleanField.optional(),
  tls: TlsSchema.optional(),
  /** Seconds each Milvus call may take before it fails (gRPC deadline). */
  timeout: positiveSecondsField.optional(),
  /** Seconds transient failures (server unavailable) are retried, with backoff, before they count. */
  retryWindow: secondsField.optional(),
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
  /**
   * Folder the Milvus server reads import files from, as this machine sees it (the same path on
   * both sides): where `rebuildCollection` with `strategy: import` writes its files. Relative to
   * the config file. An Embedded Milvus needs none (the tool knows its storage folder).
   */
  importDir: stringField('a folder path, relative to the config file').optional(),
  /**
   * The Milvus version the migrations are written for (e.g. the production server's `2.5.4`):
   * `lint` reports steps that need a newer one (MM501), offline. Quoted or not: `2.5` is a YAML number.
   */
  targetVersion: z
    .preprocess(
      (v) => (typeof v === 'number' ? String(v) : v),
      z
        .string({ error: expected('a Milvus version, e.g. 2.5.4') })
        .regex(/^v?\d+\.\d+(\.\d+)?$/, { error: 'must be a Milvus version, e.g. 2.5.4' }),
    )
    .optional(),
});

/** A validated settings layer. */
export type ConfigLayer = z.output<typeof LayerSchema>;
/** A validated `tls:` map. */
export type TlsLayer = z.output<typeof TlsSchema>;
/** A validated `embedded:` map. */
export type EmbeddedSettings = z.output<typeof EmbeddedSchema>;
