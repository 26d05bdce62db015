#!/usr/bin/env node
// The GitHub Action of this repository (action.yml) runs this script: it picks the milvus-migrate
// to run, runs one command, writes what a reviewer needs to the job summary ($GITHUB_STEP_SUMMARY),
// sets the step's outputs ($GITHUB_OUTPUT) and exits with the command's exit code, so the job
// fails by the CLI's exit-code table. Plain Node (no dependencies, no build): it runs before the
// package is installed. Inputs come as INPUT_<NAME> variables, as the runner passes them.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What an exit code means (docs/ci.md); 1 depends on the command. */
const EXIT_MEANING = {
  0: 'success',
  1: 'a migration failed while running against Milvus',
  2: 'invalid input (usage, config, a migration file, an edited applied migration, an irreversible down)',
  3: 'another run holds the lock and did not release it in time',
  4: 'destructive steps refused (nothing was changed; run with --allow-destructive once reviewed)',
  5: 'cannot connect to or authenticate with Milvus',
};
const EXIT_1 = {
  lint: 'a finding at or above --fail-on',
  verify: 'a down does not undo its up',
  diff: 'drift: the live schema differs from what the migrations say',
  status: 'not every migration is applied (status --check)',
};

/** The meaning of `code` for `command`. */
export function exitMeaning(command, code) {
  if (code === 1 && EXIT_1[command]) return EXIT_1[command];
  return EXIT_MEANING[code] ?? `unexpected exit code ${code}`;
}

/** An input as the runner passes it: `INPUT_<NAME>` (upper case, spaces as `_`), trimmed. */
export function input(name, env = process.env) {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/**
 * Splits the `args` input as a shell would split words: whitespace separates, '…' and "…" quote,
 * a backslash escapes the next character. No expansion of any kind (no variables, no globs).
 */
export function splitArgs(text) {
  const words = [];
  let word = '';
  let started = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = '';
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i];
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += ch;
      started = true;
    }
  }
  if (quote) throw new Error(`args: unclosed ${quote} quote`);
  if (started) words.push(word);
  return words;
}

/** The command line as it may be logged: a `--token` value is masked. */
function shown(args) {
  return args.map((a, i) => (args[i - 1] === '--token' ? '***' : a.startsWith('--token=') ? '--token=***' : a)).join(' ');
}

/**
 * Which milvus-migrate to run, in this order:
 * 1. the `version` input: that published version, through npx;
 * 2. the project's own (`node_modules/.bin/milvus-migrate` in the working directory), the version
 *    its lockfile pins: what `npm ci` installed in an earlier step;
 * 3. this action's own checkout (the ref the workflow names in `uses:`), built once with `npm ci`.
 */
export function resolveCli({ version, workdir, actionPath, log }) {
  if (version) return { command: 'npx', prefix: ['--yes', `milvus-migrate@${version}`], how: `milvus-migrate@${version} (npx)` };
  const own = join(workdir, 'node_modules', '.bin', 'milvus-migrate');
  if (existsSync(own)) return { command: own, prefix: [], how: `the project's own (${relative(workdir, own)})` };
  const bin = join(actionPath, 'bin', 'milvus-migrate.js');
  if (!existsSync(join(actionPath, 'dist', 'bundle', 'cli.cjs'))) {
    // npm ci runs `prepare`, which builds dist/ (devDependencies are needed for that).
    log(`Installing and building milvus-migrate from the action's checkout (${actionPath})`);
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: actionPath, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) throw new Error(`npm ci in ${actionPath} failed (exit ${r.status ?? r.signal})`);
  }
  return { command: process.execPath, prefix: [bin], how: `the action's checkout (${actionPath})` };
}

/** Lines of stderr kept for the summary of a failed command. */
const LOG_TAIL_LINES = 40;

/** Runs the CLI; stdout and stderr go to the job log as they come, and are kept (stderr's last lines). */
function runCli(cli, args, cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cli.command, [...cli.prefix, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-64 * 1024);
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolvePromise({ code: code ?? (signal ? 1 : 0), stdout, logTail: stderr.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n') }),
    );
  });
}

/** A fenced block that survives fences inside. */
function fenced(text) {
  const fence = text.includes('```') ? '~~~~' : '```';
  return [`${fence}text`, text.trimEnd(), fence];
}

const has = (args, flag) => args.some((a) => a === flag || a.startsWith(`${flag}=`));

/** Text for a Markdown table cell. */
const cell = (s) => String(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('|', '\\|').replace(/\r?\n/g, '<br>');

/** The lint findings of a SARIF log as Markdown: counts, then one row per finding with its rule's documentation. */
export function lintSummary(sarif, exitCode) {
  const run = sarif.runs?.[0] ?? {};
  const rules = new Map((run.tool?.driver?.rules ?? []).map((r) => [r.id, r]));
  const results = run.results ?? [];
  const count = (level) => results.filter((r) => r.level === level).length;
  const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const lines = ['### milvus-migrate lint', ''];
  if (!results.length) return [...lines, '✅ No findings.', ''].join('\n');
  const mark = exitCode === 0 ? '⚠️' : '❌';
  lines.push(`${mark} ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}.`, '');
  lines.push('| severity | rule | where | message |', '|---|---|---|---|');
  for (const r of results) {
    const loc = r.locations?.[0]?.physicalLocation;
    const where = `${loc?.artifactLocation?.uri ?? '?'}${loc?.region?.startLine ? `:${loc.region.startLine}` : ''}`;
    const rule = rules.get(r.ruleId);
    const id = rule?.helpUri ? `[${r.ruleId}](${rule.helpUri})` : r.ruleId;
    lines.push(`| ${r.level} | ${id} | \`${where}\` | ${cell(r.message?.text ?? '')} |`);
  }
  return [...lines, ''].join('\n');
}

/**
 * lint writes SARIF paths relative to the folder of milvus.config.yaml; code scanning reads them
 * relative to the repository. The config is found from the working directory upwards, so the
 * folder is the first of those (up to the workspace) in which the reported file exists.
 */
export function rebaseSarif(sarif, workdir, workspace) {
  const bases = [];
  for (let dir = workdir; ; dir = resolve(dir, '..')) {
    bases.push(dir);
    if (dir === workspace || dir === resolve(dir, '..') || !dir.startsWith(workspace)) break;
  }
  for (const r of sarif.runs?.[0]?.results ?? []) {
    for (const loc of r.locations ?? []) {
      const a = loc.physicalLocation?.artifactLocation;
      if (!a?.uri || /^[a-z]+:/i.test(a.uri)) continue;
      const base = bases.find((b) => existsSync(join(b, a.uri)));
      if (base) a.uri = relative(workspace, join(base, a.uri)).split(sep).join('/');
    }
  }
  return sarif;
}

/** Any other command: its report as a code block, and what its exit code means. */
function genericSummary(command, code, stdout) {
  const limit = 60_000;
  const body = stdout.length > limit ? `${stdout.slice(0, limit)}\n… (cut: the whole report is in the job log)` : stdout;
  return [
    `### milvus-migrate ${command}`,
    '',
    `${code === 0 ? '✅' : '❌'} exit ${code}: ${exitMeaning(command, code)}`,
    '',
    ...(body.trim() ? [...fenced(body), ''] : []),
  ].join('\n');
}

/** The whole action; returns the exit code for the job. */
export async function main(env = process.env) {
  const log = (m) => process.stderr.write(`${m}\n`);
  const command = input('command', env);
  if (!command) {
    process.stdout.write('::error title=milvus-migrate::the command input is required (e.g. lint, plan, validate, verify, up)\n');
    return 2;
  }
  const workspace = resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const workdir = resolve(workspace, input('working-directory', env) || '.');
  const actionPath = env.GITHUB_ACTION_PATH || resolve(fileURLToPath(import.meta.url), '../..');
  const summaryOn = input('summary', env) !== 'false';
  const out = env.RUNNER_TEMP ? mkdtempSync(join(env.RUNNER_TEMP, 'milvus-migrate-')) : mkdtempSync(join(tmpdir(), 'milvus-migrate-'));
  let args;
  try {
    args = [command, ...splitArgs(input('args', env))];
  } catch (err) {
    process.stdout.write(`::error title=milvus-migrate::${err.message}\n`);
    return 2;
  }
  // Formats the action turns into a summary, unless the args already choose one.
  const chosen = has(args, '--format') || has(args, '--json');
  if (command === 'plan' && !chosen) args.push('--format', 'markdown');
  if (command === 'lint' && !chosen) args.push('--format', 'sarif');

  const cli = resolveCli({ version: input('version', env), workdir, actionPath, log });
  log(`Running milvus-migrate ${shown(args)} in ${workdir}, with ${cli.how}`);
  const { code, stdout, logTail } = await runCli(cli, args, workdir);

  const outputs = { 'exit-code': String(code) };
  let summary;
  if (command === 'plan' && !chosen) {
    outputs['plan-file'] = join(out, 'plan.md');
    writeFileSync(outputs['plan-file'], stdout);
    summary = stdout;
  } else if (command === 'lint' && !chosen) {
    outputs['sarif-file'] = join(out, 'lint.sarif');
    try {
      const sarif = rebaseSarif(JSON.parse(stdout), workdir, workspace);
      writeFileSync(outputs['sarif-file'], `${JSON.stringify(sarif, null, 2)}\n`);
      summary = lintSummary(sarif, code);
    } catch {
      // No SARIF: lint stopped before it had findings (bad config, bad --base); say so as any command.
      delete outputs['sarif-file'];
      summary = genericSummary(command, code, stdout);
    }
  } else {
    summary = genericSummary(command, code, stdout);
  }
  // A failure's why is on stderr (the human form of the error): its last lines go with the summary.
  if (code !== 0 && logTail)
    summary = [summary.trimEnd(), '', '<details>', '<summary>log</summary>', '', ...fenced(logTail), '', '</details>'].join('\n');
  if (summaryOn && env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${summary.trimEnd()}\n\n`);
  if (env.GITHUB_OUTPUT)
    appendFileSync(
      env.GITHUB_OUTPUT,
      Object.entries(outputs)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
  if (code !== 0) process.stdout.write(`::error title=milvus-migrate ${command}::exit ${code}: ${exitMeaning(command, code)}\n`);
  return code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stdout.write(`::error title=milvus-migrate::${String(err?.message ?? err).replace(/\r?\n/g, ' ')}\n`);
      process.exitCode = 1;
    },
  );
}
