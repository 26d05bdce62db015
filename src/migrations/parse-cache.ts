import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { ParsedYamlMigration } from './yaml.js';

/**
 * YAML migrations parsed and validated before, by their checksum, so that a project with a long
 * history does not parse thousands of unchanged files on every command (the `yaml` library takes
 * ~40-75 µs a file: 0.4 s of a `status` over 5,000 migrations). Only the CLI's launcher turns it
 * on ({@link useParseCache}), with the key of the bundle it runs: any other build of the tool, or
 * another Node, reads none of it, since what a file parses to depends on the step catalogue of
 * the build that parsed it. Library callers and tests parse every file, as before.
 *
 * One file per migrations folder (`parse-<folder>-<build>.bin`, V8's serialization of the
 * checksum → migration map), beside the CLI's code caches. Only valid files are kept, and only
 * those the folder still holds; a file that cannot be read, parsed or written is ignored: the
 * migrations are then parsed as usual.
 */
export interface ParseCache {
  get(checksum: string): ParsedYamlMigration | undefined;
  set(checksum: string, migration: ParsedYamlMigration): void;
  /** Writes the cache when anything was parsed anew or left the folder. */
  save(): void;
}

const PREFIX = 'parse-';
/** Cache files kept per build: the folders used last. */
const KEEP_FOLDERS = 64;

let settings: { dir: string; key: string } | undefined;

/** Keeps parsed migrations in `dir` for the build `key` (called by bin/milvus-migrate.js); `undefined` turns it off. */
export function useParseCache(where: { dir: string; key: string } | undefined): void {
  settings = where;
}

/** The parse cache of the migrations folder `migrationsDir`, when the CLI's launcher turned caching on. */
export function openParseCache(migrationsDir: string): ParseCache | undefined {
  return settings ? folderCache(settings.dir, settings.key, migrationsDir) : undefined;
}

/** The cache of one migrations folder for one build, kept in `dir`. */
export function folderCache(dir: string, key: string, migrationsDir: string): ParseCache {
  const folder = createHash('sha1').update(path.resolve(migrationsDir)).digest('hex').slice(0, 16);
  const file = path.join(dir, `${PREFIX}${folder}-${key}.bin`);
  const before = read(file);
  const now = new Map<string, ParsedYamlMigration>();
  let parsedAnew = false;
  return {
    get(checksum) {
      const hit = before.get(checksum);
      if (!hit) return undefined;
      // Two files of the same bytes get a migration each, as two parses would give them.
      if (now.has(checksum)) return structuredClone(hit);
      now.set(checksum, hit);
      return hit;
    },
    set(checksum, migration) {
      now.set(checksum, migration);
      parsedAnew = true;
    },
    save() {
      if (parsedAnew || now.size !== before.size) write(dir, file, key, now);
      else touch(file);
    },
  };
}

function read(file: string): Map<string, ParsedYamlMigration> {
  try {
    const value: unknown = v8.deserialize(readFileSync(file));
    return value instanceof Map ? (value as Map<string, ParsedYamlMigration>) : new Map();
  } catch {
    return new Map();
  }
}

/** Marks a cache that served every file as used now, so that pruning keeps it. */
function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // Gone or read-only: it is made again when needed.
  }
}

function write(dir: string, file: string, key: string, entries: Map<string, ParsedYamlMigration>): void {
  try {
    mkdirSync(dir, { recursive: true });
    // Written whole, then renamed: a process starting meanwhile reads the old file or none.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, v8.serialize(entries));
    renameSync(partial, file);
    prune(dir, key, path.basename(file));
  } catch {
    // A read-only or full disk, or a value V8 cannot serialize, costs speed only.
  }
}

/** Removes other builds' caches, and this build's beyond the {@link KEEP_FOLDERS} used last (`written` among them). */
function prune(dir: string, key: string, written: string): void {
  const ours: { name: string; mtime: number }[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(PREFIX) || name.endsWith('.tmp')) continue;
    if (!name.endsWith(`-${key}.bin`)) rmSync(path.join(dir, name), { force: true });
    else ours.push({ name, mtime: name === written ? Infinity : statSync(path.join(dir, name)).mtimeMs });
  }
  ours.sort((a, b) => b.mtime - a.mtime);
  for (const { name } of ours.slice(KEEP_FOLDERS)) rmSync(path.join(dir, name), { force: true });
}
