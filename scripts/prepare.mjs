// `prepare`: builds dist/ (tsc, then the CLI bundle) when the build tools are installed.
//
// npm runs `prepare` after `npm install`/`npm ci` in this repository, before `npm pack` and
// `npm publish`, and for `npm install <git url>` (having installed the devDependencies first, so
// a git install builds). `npm ci --omit=dev` (a Dockerfile's usual step) has no TypeScript and no
// esbuild: then there is nothing to build with, and failing would fail the install. It says so
// and leaves dist/ as it is. Packing without them is an error: the package would have no dist/.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const missing = ['typescript', 'esbuild'].filter((name) => {
  try {
    require.resolve(`${name}/package.json`);
    return false;
  } catch {
    return true;
  }
});

if (missing.length) {
  const packing = ['pack', 'publish'].includes(process.env.npm_command ?? '');
  const message = `milvus-migrate: not building dist/ (${missing.join(' and ')} not installed: devDependencies omitted?)`;
  if (packing) {
    console.error(`${message}; packing needs a build: run npm ci first.`);
    process.exit(1);
  }
  console.error(`${message}. Run \`npm ci && npm run build\` to build, or install milvus-migrate from npm.`);
  process.exit(0);
}

// Run by npm, npm_execpath is its own CLI script; run by hand, npm is on the PATH.
const npm = process.env.npm_execpath;
const build = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);
