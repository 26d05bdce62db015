// Bundles the CLI (dist/cli/main.js, compiled by tsc) with yargs, yaml, zod and picocolors into
// one CommonJS file, dist/bundle/cli.cjs, which bin/milvus-migrate.js starts with V8's code cache
// (src/cli/launch.ts). One file with a code cache is what brings offline commands near
// `node -e 0` (see the README's Benchmarks). The SDK, umzug, tsx and testcontainers stay
// external: they load only when a command needs them, from node_modules as usual. The library
// (dist/index.js) is not bundled.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });

/**
 * string-width (used by yargs to lay out help) creates an `Intl.Segmenter` when it is imported,
 * which costs ~15 ms of ICU set-up on every command although the help text is plain ASCII and
 * takes its fast path. Create it on first use instead. Fails the build if the line changes.
 */
const lazySegmenter = {
  name: 'lazy-intl-segmenter',
  setup(b) {
    b.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const eager = 'const segmenter = new Intl.Segmenter();';
      if (!source.includes(eager)) throw new Error(`${path} no longer has "${eager}": update the lazy-intl-segmenter plugin`);
      const lazy = 'let lazySegmenter; const segmenter = { segment: (s) => (lazySegmenter ??= new Intl.Segmenter()).segment(s) };';
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/bundle/cli.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  supported: {
    // Node 20 has RegExp /v; without this esbuild rewrites /v literals into eager `new RegExp()` calls.
    'regexp-set-notation': true,
    // Keep import() as import(): the SDK, tsx and users' code migrations may be ES modules.
    'dynamic-import': true,
  },
  external: ['@zilliz/milvus2-sdk-node', 'umzug', 'tsx', 'tsx/*', 'testcontainers', 'milvus-migrate', 'milvus-migrate/*'],
  plugins: [lazySegmenter],
  define: {
    'import.meta.url': '__bundleUrl',
    __MILVUS_MIGRATE_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version),
  },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
