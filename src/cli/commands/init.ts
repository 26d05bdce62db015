import { mkdir, writeFile, access, readFile, appendFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { JsonDocument } from '../json-shapes.js';
import type { Output } from '../output.js';
import type { GlobalArgs } from '../session.js';
import { DEFAULT_BACKUP_DIR, DEFAULT_EMBEDDED_DATA_DIR } from '../../config/defaults.js';
import { timestamp } from './create.js';
import { schemaComment } from '../../editor/schema-paths.js';

/** The config `init` writes: every key, what it does and its default. */
export const CONFIG_TEMPLATE = `# milvus-migrate configuration. Every key is optional; the defaults are shown.
# Settings come, strongest first, from: command-line flags (--address, --token, --database),
# MILVUS_ADDRESS (or MILVUS_URI) / MILVUS_TOKEN / MILVUS_USERNAME / MILVUS_PASSWORD /
# MILVUS_DATABASE / MILVUS_TLS_*,
# the environment chosen with --env NAME (below), then the top level of this file.
# \${VAR} and \${VAR:-default} are read from the environment; an unset \${VAR} is an error.

# Folder of migration files, relative to this file. Files run in name order.
migrations: migrations

# Collection recording what is applied (one row per migration), created on first use in
# \`database\`. Give each application sharing a database its own.
stateCollection: milvus_migrations

# Where Milvus is. Out of the box, an Embedded Milvus (PyPI milvus==2.3.5, installed once under
# ~/.cache/milvus-migrate) is started for each command on this machine and stopped after, with
# its data in .milvus/ (git-ignored): nothing else to install. MILVUS_ADDRESS, --address or an
# environment's \`address\` point at a server instead; to do that here, replace this line with
# \`address\` (below).
embedded: true

# Milvus to talk to instead: host:port, or https://host:443 for a managed service (Zilliz
# Cloud: its endpoint, and its API key as token). \`uri\` is the same setting (pymilvus' name).
# address: localhost:19530
# uri: https://in03-0123456789abcdef.serverless.gcp-us-west1.cloud.zilliz.com:443

# Database holding the state collection; steps reach others with db_name.
database: default

# What \`--targets all\` runs on: one migration set on many databases (a database per tenant),
# each with its own state collection and lock. \`up --targets all --parallel 4\`.
# targets:
#   - tenant_*              # every database on the server whose name matches (* and ?)
#   - analytics             # one database
#   - env: production       # an environment below: its own address, credentials and database

# Credentials: a token (or user:password), or username and password. Never write secrets
# here: take them from the environment. They never appear in any output.
# token: \${MILVUS_TOKEN}
# username: \${MILVUS_USERNAME}
# password: \${MILVUS_PASSWORD}

# TLS to the server (managed services need it; https:// turns it on too).
# ssl: false

# TLS beyond the system's CAs; any key turns TLS on. Paths are relative to this file.
# tls:
#   caFile: certs/ca.pem        # a private CA, or the server's self-signed certificate
#   certFile: certs/client.pem  # client certificate and key, for mutual TLS (Milvus tlsMode: 2)
#   keyFile: certs/client.key
#   serverName: milvus.internal # the name in the server's certificate, if not the address' host
#   skipVerify: false           # accept any certificate: local tests only

# Seconds each Milvus call may take, and seconds a server that is unavailable (restarting, a
# network blip) is retried before the command gives up (0: never retried).
# timeout: 15
# retryWindow: 10

# Let steps that delete data (dropPartition, dropCollection, dropDatabase, delete) run without
# --allow-destructive. Best set only in an environment whose deploys are reviewed.
# allowDestructive: false

# Seconds to wait for another run holding the lock before exiting with code 3.
# lockTimeout: 60

# Seconds without a heartbeat after which a lock left by a dead run is taken over.
# lockStaleAfter: 30

# Back up the rows of every dropPartition, dropCollection and delete before it runs (not only the
# steps with \`backup: true\`), so their down restores them. Same as --backup.
# backup: false

# Where backups go, relative to this file.
# backupDir: .milvus-migrate/backups

# A folder the Milvus server reads import files from under the same path (rebuildCollection with
# \`strategy: import\`), relative to this file. An Embedded Milvus has its own; S3/MinIO is not built.
# importDir: /shared/milvus-import

# The Milvus version these migrations are written for (e.g. production's): \`lint\` reports steps
# that need a newer one (MM501). Quote it: unquoted, 2.10 would read as the number 2.1.
# targetVersion: "2.5.4"

# \`embedded\` (above) is \`true\`, or a map:
# embedded:
#   dataDir: .milvus        # its data, relative to this file (init adds .milvus/ to .gitignore)
#   port: 19530             # default: the first free port from 19530
#   authorization: false    # start with authentication on (user root, password Milvus)

# --env NAME picks one of these; its keys override the ones above (any key but environments).
environments:
  server:
    address: localhost:19530  # a Milvus you run yourself (e.g. milvusdb/milvus in Docker)
  production:
    address: \${MILVUS_ADDRESS}
    token: \${MILVUS_TOKEN}
    ssl: true
    lockTimeout: 300        # deploys wait longer for each other
`;

/** The example migration `init` writes into a new migrations folder. */
export const EXAMPLE_MIGRATION = `# An example migration: edit it, or delete it and run \`milvus-migrate create <name>\`.
# Run \`milvus-migrate plan\` to see what it would do, \`milvus-migrate up\` to apply it.
description: Create example_collection with a vector index, and a partition for 2027

# Steps run in order. A step is <stepName>: <params>: the Node SDK's method name and its
# request fields (snake_case). Every file is validated before anything runs.
up:
  - createCollection:
      collection_name: example_collection
      fields:
        - { name: id, data_type: Int64, is_primary_key: true }
        - { name: title, data_type: VarChar, max_length: 256 }
        - { name: embedding, data_type: FloatVector, dim: 4 }
      # Builds the index and loads the collection, waiting until both are done.
      index_params:
        - { field_name: embedding, index_type: FLAT, metric_type: L2 }
  - createPartition:
      collection_name: example_collection
      partition_name: year_2027

# down is optional. Without it, the inverse of each up step runs in reverse order (here:
# dropPartition, then dropCollection). Steps that delete data need --allow-destructive.
# down:
#   - dropCollection:
#       collection_name: example_collection
`;

/** What `init` makes git ignore: Embedded Milvus' data and the tool's own folder (backups). */
export const GITIGNORE_LINES: readonly string[] = [`${DEFAULT_EMBEDDED_DATA_DIR}/`, `${DEFAULT_BACKUP_DIR.split('/')[0]}/`];

/**
 * Adds {@link GITIGNORE_LINES} to the `.gitignore` at `path` (creating it), each only when no line
 * already ignores it (`.milvus`, `/.milvus/` and `.milvus/` all count). Safe to repeat.
 */
export async function ensureGitignore(path: string): Promise<'created' | 'updated' | 'kept'> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  const present = new Set((text ?? '').split(/\r?\n/).map((l) => l.trim().replace(/^\//, '').replace(/\/$/, '')));
  const missing = GITIGNORE_LINES.filter((l) => !present.has(l.replace(/\/$/, '')));
  if (!missing.length) return 'kept';
  const block = `# milvus-migrate: Embedded Milvus data, backups\n${missing.join('\n')}\n`;
  if (text === undefined) {
    await writeFile(path, block, { flag: 'wx' });
    return 'created';
  }
  await appendFile(path, `${text === '' || text.endsWith('\n') ? '' : '\n'}${text === '' ? '' : '\n'}${block}`);
  return 'updated';
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * `init`: writes milvus.config.yaml and the migrations folder beside it, with an example
 * migration in a new folder, leaving existing ones alone, and makes the `.gitignore` beside the
 * config ignore the tool's local folders.
 */
export async function init(args: GlobalArgs, out: Output, now: Date = new Date()): Promise<number> {
  const configPath = resolve(process.cwd(), args.config ?? 'milvus.config.yaml');
  const migrationsDir = join(dirname(configPath), 'migrations');
  const created: string[] = [];
  const kept: string[] = [];
  const updated: string[] = [];
  if (await exists(configPath)) kept.push(configPath);
  else {
    await mkdir(dirname(configPath), { recursive: true });
    await writeFile(configPath, `${schemaComment('config', configPath, dirname(configPath))}${CONFIG_TEMPLATE}`, { flag: 'wx' });
    created.push(configPath);
  }
  if (await exists(migrationsDir)) kept.push(migrationsDir);
  else {
    await mkdir(migrationsDir, { recursive: true });
    const example = join(migrationsDir, `${timestamp(now)}_create_example_collection.yaml`);
    await writeFile(example, `${schemaComment('migration', example, dirname(configPath))}${EXAMPLE_MIGRATION}`, { flag: 'wx' });
    created.push(migrationsDir, example);
  }
  const gitignore = join(dirname(configPath), '.gitignore');
  ({ created, updated, kept })[await ensureGitignore(gitignore)].push(gitignore);
  if (args.json) out.document({ command: 'init', ok: true, exitCode: 0, created, kept, updated } satisfies JsonDocument<'init'>);
  else {
    const c = out.colors;
    out.result(
      [
        ...created.map((p) => `${c.green('created')} ${p}`),
        ...updated.map((p) => `${c.green('updated')} ${p} ${c.dim(`(added ${GITIGNORE_LINES.join(' ')} where missing)`)}`),
        ...kept.map((p) => `${c.dim('exists ')} ${p} ${c.dim('(left as it is)')}`),
        '',
        'Next: milvus-migrate plan (an Embedded Milvus on this machine; --env server or --address for yours),',
        'then milvus-migrate up;',
        'milvus-migrate create <name> for your own migrations.',
      ].join('\n'),
    );
  }
  return 0;
}
