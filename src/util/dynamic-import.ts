/**
 * `import()` of packages and users' files, in one place. The bundled CLI runs from V8's code
 * cache through `vm.Script` (src/cli/launch.ts), where a native `import()` fails: Node cannot find
 * the script's import callback once its code comes from a cache (nodejs/node#43663,
 * zertosh/v8-compile-cache#30). So the CLI's launcher hands in an `import()` of its own with
 * {@link setImporter}; everywhere else the native one is used.
 */
export type Importer = (specifier: string) => Promise<unknown>;

let importer: Importer = (specifier) => import(specifier);

/** Replaces how {@link importModule} imports. Called by bin/milvus-migrate.js before the CLI runs. */
export function setImporter(fn: Importer): void {
  importer = fn;
}

/** `import(specifier)`: a package name or a `file:` URL. */
export function importModule<T>(specifier: string): Promise<T> {
  return importer(specifier) as Promise<T>;
}
