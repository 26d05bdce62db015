// Loaded with `node --import`: writes to stderr every module the process loads, ES modules as
// they load (a loader hook) and CommonJS ones at exit (require.cache: the bundled CLI and the SDK
// load through require(), which the hook does not see on Node 20).
import { createRequire, register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent('export async function load(url, ctx, next) { process.stderr.write(`load ${url}\\n`); return next(url, ctx); }'),
);
const { cache } = createRequire(import.meta.url);
process.on('exit', () => {
  for (const file of Object.keys(cache)) process.stderr.write(`load ${file}\n`);
});
