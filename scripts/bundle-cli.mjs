// Bundles the CLI (dist/cli/main.js, compiled by tsc) with yargs, yaml, zod and picocolors into
// dist/bundle/, one chunk per lazily imported command. Loading a few large files instead of a
// few hundred small ones is what brings offline commands near `node -e 0` (see the README's
// Benchmarks). The SDK, umzug, tsx and testcontainers stay external: they load only when a
// command needs them, from node_modules as usual. The library (dist/index.js) is not bundled.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@zilliz/milvus2-sdk-node', 'umzug', 'tsx', 'tsx/*', 'testcontainers', 'milvus-migrate', 'milvus-migrate/*'],
  // CommonJS dependencies (e.g. picocolors) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __mmCreateRequire } from 'node:module'; const require = __mmCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
