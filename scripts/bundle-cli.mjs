// Bundles the CLI (dist/cli/main.js, compiled by tsc) with yargs, yaml, zod and picocolors into
// one CommonJS file, dist/bundle/cli.cjs, which bin/milvus-migrate.js starts with V8's code cache
// (src/cli/launch.ts). One file with a code cache is what brings offline commands near
// `node -e 0` (see the README's Benchmarks). umzug is bundled too, without its own CLI framework
// (see umzugWithoutCli). The SDK, tsx and testcontainers stay external: they load only when a
// command needs them, from node_modules as usual. The library (dist/index.js) is not bundled.
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

/**
 * umzug's entry and its Umzug class require its command-line front end (`./cli`, built on
 * @rushstack/ts-command-line), which loads ~100 ms of modules (z-schema, the Rush libraries) on
 * every `up`; milvus-migrate never calls `runAsCLI`. The bundle gets a stand-in that says so
 * if anything ever does. Fails the build if umzug stops requiring `./cli` from its lib folder.
 */
const umzugWithoutCli = {
  name: 'umzug-without-cli',
  setup(b) {
    let replaced = 0;
    b.onResolve({ filter: /^\.\/cli$/ }, ({ importer }) => {
      if (!/[\\/]umzug[\\/]lib[\\/][^\\/]+\.js$/.test(importer)) return undefined;
      replaced++;
      return { path: 'umzug-cli', namespace: 'umzug-without-cli' };
    });
    b.onLoad({ filter: /.*/, namespace: 'umzug-without-cli' }, () => ({
      contents:
        'exports.UmzugCLI = class UmzugCLI { constructor() { throw new Error("umzug\'s own CLI is not part of milvus-migrate\'s bundle"); } };',
      loader: 'js',
    }));
    b.onEnd((result) => {
      if (!result.errors.length && replaced === 0) throw new Error("umzug no longer requires './cli': update the umzug-without-cli plugin");
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
  external: ['@zilliz/milvus2-sdk-node', 'tsx', 'tsx/*', 'testcontainers', 'milvus-migrate', 'milvus-migrate/*'],
  plugins: [lazySegmenter, umzugWithoutCli],
  define: {
    'import.meta.url': '__bundleUrl',
    __MILVUS_MIGRATE_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version),
  },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
