// What milvus-migrate costs over the calls it must make, and how it scales (issue 8).
//
//   npm run bench                      starts an Embedded Milvus for the run
//   MILVUS_ADDRESS=host:port MILVUS_TOKEN=... npm run bench
//
// Every figure is a ratio (or a gap, or a peak) measured in this one run, as the median of
// BENCH_REPS repetitions (default 3), so a busy machine slows both sides of a ratio alike.
// Prints a table on stdout, writes bench/results.json, exits 0 unless the bench itself breaks.
// Benchmarks are never tests: nothing here asserts a timing.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'milvus-migrate.js');
const REPS = Number(process.env.BENCH_REPS ?? 3);
const P1_MIGRATIONS = 200;
const P2_MANY = 5_000;
const P2_FEW = 10;
const MEM_MIGRATIONS = Number(process.env.BENCH_MEMORY_MIGRATIONS ?? 5_000);
const COPY_ROWS = Number(process.env.BENCH_COPY_ROWS ?? 100_000);
const REBUILD_ROWS = Number(process.env.BENCH_REBUILD_ROWS ?? 100_000);
const REBUILD_DIM = 128;

const api = await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href);
const prefix = `bench_${randomBytes(3).toString('hex')}`;
const work = await mkdtemp(join(tmpdir(), 'milvus-migrate-bench-'));
const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const created = [];
const rows = [];

let server;
let address = process.env.MILVUS_ADDRESS;
let token = process.env.MILVUS_TOKEN || undefined;
if (!address) {
  log('MILVUS_ADDRESS is not set: starting an Embedded Milvus for this run');
  server = await api.startEmbedded({ dataDir: join(work, 'milvus'), logger: { debug() {}, info: log, warn: log } });
  address = server.address;
}
const sdk = new MilvusClient({ address, token, logLevel: 'error' });
await sdk.connectPromise;
const env = { ...process.env, MILVUS_ADDRESS: address, NO_COLOR: '1', ...(token ? { MILVUS_TOKEN: token } : {}) };
if (!token) delete env.MILVUS_TOKEN;

/** Runs a process to its end; its wall time in ms (spawn to exit), output, and peak RSS when asked. */
function timed(args, { cwd = work, extraEnv = {}, rss = false, rpcs = false } = {}) {
  return new Promise((done, fail) => {
    const rssFile = join(work, `rss-${randomBytes(4).toString('hex')}`);
    const rpcFile = join(work, `rpc-${randomBytes(4).toString('hex')}`);
    const hook = (name) => ['--import', pathToFileURL(join(ROOT, 'bench', name)).href];
    const argv = [...(rss ? hook('peak-rss.mjs') : []), ...(rpcs ? hook('count-rpcs.mjs') : []), ...args];
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, argv, { cwd, env: { ...env, ...extraEnv, BENCH_RSS_FILE: rssFile, BENCH_RPC_FILE: rpcFile } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', async (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return fail(new Error(`${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
      done({
        ms,
        stdout,
        stderr,
        rssKb: rss ? Number(await readFile(rssFile, 'utf8')) : undefined,
        rpcs: rpcs ? JSON.parse(await readFile(rpcFile, 'utf8')) : undefined,
      });
    });
  });
}
const cli = (args, opts) => timed([BIN, ...args], opts);

async function check(res, what) {
  const r = await res;
  if (r.error_code && r.error_code !== 'Success') throw new Error(`${what}: ${r.reason}`);
  if (r.status && r.status.error_code !== 'Success') throw new Error(`${what}: ${r.status.reason}`);
  return r;
}

async function createCollection(name, dim = 2, extra = []) {
  created.push(name);
  await check(
    sdk.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        ...extra,
        { name: 'v', data_type: DataType.FloatVector, dim },
      ],
    }),
    `createCollection ${name}`,
  );
}

/** A project folder: config naming its own state collection, and one YAML file per entry. */
async function project(name, state, migrations) {
  const dir = join(work, name);
  await mkdir(join(dir, 'migrations'), { recursive: true });
  await writeFile(join(dir, 'milvus.config.yaml'), `migrations: migrations\nstateCollection: ${state}\n`);
  created.push(state, `${state}_lock`);
  for (let i = 0; i < migrations.length; i += 500) {
    await Promise.all(
      migrations.slice(i, i + 500).map((text, j) => writeFile(join(dir, 'migrations', `${String(20260101000000 + i + j)}_m.yaml`), text)),
    );
  }
  return dir;
}
const createPartitionYaml = (collection, partition) =>
  `up:\n  - createPartition: { collection_name: ${collection}, partition_name: ${partition} }\n`;

/** The folder the bench's own Embedded Milvus reads import files from (none for a server of MILVUS_ADDRESS). */
const importDir = server ? join(work, 'milvus', 'data', 'milvus-migrate-import') : undefined;

async function withApi(fn) {
  const milvus = await api.Milvus.connect({ address, token, importDir });
  try {
    return await fn(milvus);
  } finally {
    await milvus.close();
  }
}

function record(figure, value, unit, goal, pass, note = '') {
  rows.push({ figure, value, unit, goal, pass, note });
  log(`${figure}: ${value}${unit} (goal ${goal}) ${pass === undefined ? '' : pass ? 'pass' : 'FAIL'} ${note}`);
}
const ratio = (x) => Math.round(x * 100) / 100;

// P1: `up` of 200 one-step migrations in a fresh process / a plain SDK script making the same calls.
async function p1() {
  const tool = [];
  const raw = [];
  // At least 5: the ratio of two multi-second runs on a shared machine needs them.
  for (let r = 0; r < Math.max(REPS, 5); r++) {
    const target = `${prefix}_p1_tool_${r}`;
    const rawTarget = `${prefix}_p1_raw_${r}`;
    await createCollection(target);
    await createCollection(rawTarget);
    const state = `${prefix}_p1_state_${r}`;
    const dir = await project(
      `p1_${r}`,
      state,
      Array.from({ length: P1_MIGRATIONS }, (_, i) => createPartitionYaml(target, `p${i}`)),
    );
    // An existing project: its state collection was made by an earlier run (the first run ever
    // also creates it, once).
    await withApi((milvus) => new api.MilvusStateStore(milvus, state).ensure());
    // Alternate which side goes first, so neither always runs on a warmer server.
    const runRaw = async () =>
      raw.push(
        (
          await timed([join(ROOT, 'bench', 'raw-sdk.mjs')], {
            extraEnv: { BENCH_COLLECTION: rawTarget, BENCH_COUNT: String(P1_MIGRATIONS) },
          })
        ).ms,
      );
    const runTool = async () => tool.push((await cli(['up'], { cwd: dir })).ms);
    if (r % 2) await runTool().then(runRaw);
    else await runRaw().then(runTool);
    const parts = (await check(sdk.showPartitions({ collection_name: target }), 'showPartitions')).partition_names.length;
    if (parts !== P1_MIGRATIONS + 1) throw new Error(`P1: ${target} has ${parts} partitions after up, expected ${P1_MIGRATIONS + 1}`);
    await sdk.dropCollection({ collection_name: target });
    await sdk.dropCollection({ collection_name: rawTarget });
  }
  // Once more, untimed, counting the SDK calls the tool makes besides the 200 it must.
  const target = `${prefix}_p1_rpcs`;
  await createCollection(target);
  const state = `${prefix}_p1_state_rpcs`;
  const dir = await project(
    'p1_rpcs',
    state,
    Array.from({ length: P1_MIGRATIONS }, (_, i) => createPartitionYaml(target, `p${i}`)),
  );
  await withApi((milvus) => new api.MilvusStateStore(milvus, state).ensure());
  const { rpcs } = await cli(['up'], { cwd: dir, rpcs: true });
  // SDK helpers that are not calls to the server.
  const local = new Set([
    'createPartition',
    'connect',
    'createChannelPool',
    'metadataListener',
    'normalizeFieldOps',
    'checkCompatibility',
    'closeConnection',
  ]);
  const others = Object.entries(rpcs).filter(([m]) => !local.has(m));
  const value = ratio(median(tool) / median(raw));
  record(
    'P1 up of 200 createPartition / raw SDK script',
    value,
    '×',
    '≤ 1.3',
    value <= 1.3,
    `${Math.round(median(tool))} ms vs ${Math.round(median(raw))} ms`,
  );
  record(
    'P1 other SDK calls of that up (connect, lock, state)',
    others.reduce((n, [, c]) => n + c, 0),
    '',
    'info',
    undefined,
    others.map(([m, c]) => `${m} ${c}`).join(', '),
  );
}

// P2: `status --json` with 5,000 applied migrations / with 10; RPCs of the state read.
async function p2() {
  const dirs = {};
  const rpcs = {};
  for (const n of [P2_FEW, P2_MANY]) {
    const state = `${prefix}_p2_state_${n}`;
    const dir = await project(
      `p2_${n}`,
      state,
      Array.from({ length: n }, (_, i) => createPartitionYaml(`${prefix}_p2`, `p${i}`)),
    );
    const migrations = await api.loadMigrations(join(dir, 'migrations'));
    await withApi(async (milvus) => {
      const store = new api.MilvusStateStore(milvus, state);
      await store.ensure();
      // Seeded straight into the state collection: the rows `up` would have written.
      const rowsOf = migrations.map((m) => ({
        name: m.name,
        checksum: m.checksum,
        status: 'applied',
        steps_done: 1,
        applied_at: new Date().toISOString(),
        duration_ms: 7,
        applied_by: 'bench@localhost',
        tool_version: '0.1.0',
        last_error: '',
        details: { direction: 'up', records: {} },
        _v: [0, 0],
      }));
      for (let i = 0; i < rowsOf.length; i += 1000)
        await check(sdk.insert({ collection_name: state, data: rowsOf.slice(i, i + 1000) }), 'seed state');
      // Count the RPCs of one state read by wrapping this connection's checked call.
      let calls = 0;
      const call = milvus.call.bind(milvus);
      milvus.call = (method, req) => {
        calls++;
        return call(method, req);
      };
      const read = await store.readAll();
      if (read.length !== n) throw new Error(`P2: read ${read.length} state rows, seeded ${n}`);
      rpcs[n] = calls;
    });
    dirs[n] = dir;
  }
  const times = { [P2_FEW]: [], [P2_MANY]: [] };
  for (let r = 0; r < REPS; r++) {
    for (const n of r % 2 ? [P2_MANY, P2_FEW] : [P2_FEW, P2_MANY]) {
      const res = await cli(['status', '--json'], { cwd: dirs[n] });
      const applied = JSON.parse(res.stdout).counts.applied;
      if (applied !== n) throw new Error(`P2: status shows ${applied} applied, expected ${n}`);
      times[n].push(res.ms);
    }
  }
  const value = ratio(median(times[P2_MANY]) / median(times[P2_FEW]));
  record(
    'P2 status --json, 5,000 applied / 10 applied',
    value,
    '×',
    '≤ 2.0',
    value <= 2,
    `${Math.round(median(times[P2_MANY]))} ms vs ${Math.round(median(times[P2_FEW]))} ms`,
  );
  const most = Math.max(rpcs[P2_FEW], rpcs[P2_MANY]);
  record('P2 RPCs of the state read (10 / 5,000 rows)', most, '', '≤ 3', most <= 3, `${rpcs[P2_FEW]} / ${rpcs[P2_MANY]}`);
}

// P3: offline commands / `node -e 0`; and the SDK must not load for them.
async function p3() {
  const dir = await project(
    'p3',
    `${prefix}_p3_state`,
    Array.from({ length: 5 }, (_, i) => createPartitionYaml('c', `p${i}`)),
  );
  const commands = {
    '--help': ['--help'],
    'create x': ['create', 'x'],
    'validate --offline (5 files)': ['validate', '--offline'],
  };
  // What the CLI's libraries cost by themselves: yargs for every command; yaml and zod for the
  // config and the migration files.
  const floor = ['-e', "await import('yargs'); await import('yaml'); await import('zod')", '--input-type=module'];
  const times = { node: [], floor: [], cold: [], ...Object.fromEntries(Object.keys(commands).map((k) => [k, []])) };
  const resetMigrations = () =>
    rm(join(dir, 'migrations'), { recursive: true }).then(() =>
      project(
        'p3',
        `${prefix}_p3_state`,
        Array.from({ length: 5 }, (_, i) => createPartitionYaml('c', `p${i}`)),
      ),
    );
  // The CLI keeps V8's code cache per command (src/cli/launch.ts), in a cache folder of this run:
  // the first run of each command makes it, and is not counted (`cold` measures runs without it).
  const cacheEnv = { MILVUS_MIGRATE_COMPILE_CACHE: join(work, 'compile-cache') };
  for (const [k, args] of Object.entries(commands)) {
    await cli(args, { cwd: dir, extraEnv: cacheEnv });
    if (k === 'create x') await resetMigrations();
  }
  // More repetitions: each run is short, and startup time is noisy on a shared machine.
  for (let r = 0; r < REPS * 3; r++) {
    times.node.push((await timed(['-e', '0'])).ms);
    times.floor.push((await timed(floor, { cwd: ROOT })).ms);
    for (const [k, args] of Object.entries(commands)) {
      times[k].push((await cli(args, { cwd: dir, extraEnv: cacheEnv })).ms);
      if (k === 'create x') await resetMigrations();
    }
    times.cold.push(
      (await cli(commands['validate --offline (5 files)'], { cwd: dir, extraEnv: { MILVUS_MIGRATE_COMPILE_CACHE: '0' } })).ms,
    );
  }
  // Which modules load: the SDK must not.
  const sdkLoads = [];
  for (const [k, args] of Object.entries(commands)) {
    const res = await timed(['--import', pathToFileURL(join(ROOT, 'bench', 'trace-loads.mjs')).href, BIN, ...args], { cwd: dir });
    if (!res.stderr.includes('dist/cli/launch.js'))
      throw new Error(`P3: the load trace of ${k} does not show the CLI's launcher:\n${res.stderr}`);
    if (res.stderr.includes('milvus2-sdk-node')) sdkLoads.push(k);
    if (k === 'create x') await resetMigrations();
  }
  const base = median(times.node);
  for (const k of Object.keys(commands)) {
    const value = ratio(median(times[k]) / base);
    record(`P3 ${k} / node -e 0`, value, '×', '≤ 2.5', value <= 2.5, `${Math.round(median(times[k]))} ms vs ${Math.round(base)} ms`);
  }
  const cold = ratio(median(times.cold) / base);
  record(
    'P3 (info) validate --offline without the code cache (a first run) / node -e 0',
    cold,
    '×',
    'info',
    undefined,
    `${Math.round(median(times.cold))} ms`,
  );
  const libs = ratio(median(times.floor) / base);
  record(
    'P3 (floor) importing yargs + yaml + zod alone / node -e 0',
    libs,
    '×',
    'info',
    undefined,
    `${Math.round(median(times.floor))} ms`,
  );
  record('P3 offline commands that load the SDK', sdkLoads.length, '', '0', sdkLoads.length === 0, sdkLoads.join(', '));
}

// P4: from the server reporting an index built / a collection loaded to the tool moving on.
async function p4() {
  const c = `${prefix}_p4`;
  const dim = 64;
  const n = 20_000;
  await createCollection(c, dim);
  for (let i = 0; i < n; i += 5_000) {
    const data = Array.from({ length: 5_000 }, (_, j) => ({ id: i + j, v: Array.from({ length: dim }, () => Math.random()) }));
    await check(sdk.insert({ collection_name: c, data }), 'insert');
  }
  await check(sdk.flushSync({ collection_names: [c] }), 'flush');
  const gaps = { index: [], load: [], indexMs: [], loadMs: [] };
  const ctx = (milvus) => ({
    milvus,
    logger: api.silentLogger ?? { debug() {}, info() {}, warn() {} },
    migration: { name: 'bench', dir: work },
    resumed: false,
    previous: undefined,
    checkpoint: async () => {},
  });
  await withApi(async (milvus) => {
    for (let r = 0; r < REPS; r++) {
      await sdk.releaseCollection({ collection_name: c });
      await sdk.dropIndex({ collection_name: c, field_name: 'v' });
      // A second client polls the server as fast as it answers; the first time it sees the work
      // done is when "the server reported it".
      const watch = async (probe) => {
        let seen;
        let stop = false;
        const loop = (async () => {
          while (!stop) {
            if (seen === undefined && (await probe())) seen = performance.now();
            await new Promise((r) => setTimeout(r, 5));
          }
        })();
        return { seen: () => seen, stop: async () => ((stop = true), await loop) };
      };
      let started = performance.now();
      let w = await watch(async () => {
        const d = await sdk.describeIndex({ collection_name: c, field_name: 'v' });
        return d.index_descriptions?.length > 0 && d.index_descriptions.every((x) => String(x.state) === 'Finished');
      });
      await api.STEPS.get('createIndex').run(ctx(milvus), {
        collection_name: c,
        field_name: 'v',
        index_type: 'IVF_FLAT',
        metric_type: 'L2',
        params: { nlist: 128 },
      });
      let done = performance.now();
      await w.stop();
      gaps.index.push(done - (w.seen() ?? done));
      gaps.indexMs.push(done - started);
      started = performance.now();
      w = await watch(async () => Number((await sdk.getLoadingProgress({ collection_name: c })).progress) >= 100);
      await api.STEPS.get('loadCollection').run(ctx(milvus), { collection_name: c });
      done = performance.now();
      await w.stop();
      gaps.load.push(done - (w.seen() ?? done));
      gaps.loadMs.push(done - started);
    }
  });
  for (const k of ['index', 'load']) {
    const value = Math.round(median(gaps[k])) / 1000;
    const what = k === 'index' ? 'index built (IVF_FLAT, 20k rows)' : 'collection loaded (20k rows)';
    record(
      `P4 ${what} → tool moves on`,
      value,
      ' s',
      '≤ 0.5 s',
      value <= 0.5,
      `worst ${Math.round(Math.max(...gaps[k]))} ms; the ${k} took ${Math.round(median(gaps[`${k}Ms`]))} ms`,
    );
  }
  await sdk.dropCollection({ collection_name: c });
}

/** Inserts rows `0..n-1` (id, title, random `dim`-vectors) in batches, then a FLAT index. */
async function fillRows(name, n, dim, batch) {
  // Two inserts in flight: the next batch is made while the server takes the last one.
  let pending = [];
  for (let i = 0; i < n; i += batch) {
    const data = Array.from({ length: Math.min(batch, n - i) }, (_, j) => ({
      id: i + j,
      title: `row ${i + j}`,
      v: Array.from({ length: dim }, () => Math.random()),
    }));
    pending.push(check(sdk.insert({ collection_name: name, data }), 'insert'));
    if (pending.length >= 2) await pending.shift();
  }
  await Promise.all(pending);
  await check(sdk.createIndex({ collection_name: name, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }), 'createIndex');
}

// Memory: peak RSS of `up` with 5,000 pending migrations, and of copyRows over 100k rows.
async function memory() {
  const target = `${prefix}_mem`;
  await createCollection(target);
  await check(sdk.createPartition({ collection_name: target, partition_name: 'p' }), 'createPartition');
  // A cheap real step: creating a partition that exists is a success in Milvus (2.3), so 5,000
  // migrations cost 5,000 calls without hitting the partition limit.
  const dir = await project(
    'mem',
    `${prefix}_mem_state`,
    Array.from({ length: MEM_MIGRATIONS }, () => createPartitionYaml(target, 'p')),
  );
  const up = await cli(['up', '--json'], { cwd: dir, rss: true });
  const ok = JSON.parse(up.stdout).migrations.filter((m) => m.status === 'success').length;
  if (ok !== MEM_MIGRATIONS) throw new Error(`memory: ${ok} of ${MEM_MIGRATIONS} migrations applied`);
  record(
    `Memory: peak RSS of up, ${MEM_MIGRATIONS.toLocaleString('en-US')} pending`,
    Math.round(up.rssKb / 1024),
    ' MB',
    'report',
    undefined,
    `took ${(up.ms / 1000).toFixed(1)} s`,
  );

  const src = `${prefix}_copy_src`;
  const dst = `${prefix}_copy_dst`;
  const dim = 8;
  const title = [{ name: 'title', data_type: DataType.VarChar, max_length: 64 }];
  await createCollection(src, dim, title);
  await createCollection(dst, dim, title);
  await fillRows(src, COPY_ROWS, dim, 10_000);
  const copyDir = await project('copy', `${prefix}_copy_state`, [
    `up:\n  - copyRows: { collection_name: ${src}, target_collection_name: ${dst} }\n`,
  ]);
  const copy = await cli(['up', '--json'], { cwd: copyDir, rss: true });
  if (!JSON.parse(copy.stdout).ok) throw new Error(`copyRows failed: ${copy.stderr.slice(-1000)}`);
  const [state] = await withApi((milvus) => new api.MilvusStateStore(milvus, `${prefix}_copy_state`).readAll());
  const copied = state?.details.records?.['0']?.copied;
  if (copied !== COPY_ROWS) throw new Error(`copyRows recorded ${copied} rows copied, expected ${COPY_ROWS}`);
  record(
    `Memory: peak RSS of copyRows, ${COPY_ROWS.toLocaleString('en-US')} rows`,
    Math.round(copy.rssKb / 1024),
    ' MB',
    'report',
    undefined,
    `took ${(copy.ms / 1000).toFixed(1)} s (batches of 1,000)`,
  );
}

// P8: one migration set on 12 databases (`--targets`): `up` of 5 migrations with --parallel 4 /
// --parallel 1 (RPC-latency bound, so parallelism should pay), and `status --targets` of 12 / of 1.
const P8_DATABASES = 12;
const P8_MIGRATIONS = 5;
const databases = [];
async function p8() {
  const dbPrefix = `${prefix}_p8`;
  const dbs = Array.from({ length: P8_DATABASES }, (_, i) => `${dbPrefix}_${String(i).padStart(2, '0')}`);
  for (const db of dbs) {
    await check(sdk.createDatabase({ db_name: db }), `createDatabase ${db}`);
    databases.push(db);
    await check(
      sdk.createCollection({
        db_name: db,
        collection_name: 'docs',
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'v', data_type: DataType.FloatVector, dim: 2 },
        ],
      }),
      `createCollection docs in ${db}`,
    );
  }
  const dir = await project(
    'p8',
    `${prefix}_p8_state`,
    Array.from({ length: P8_MIGRATIONS }, (_, i) => createPartitionYaml('docs', `p${i}`)),
  );
  // `--targets all`: the config's targets, as a user with tenants would write them.
  await writeFile(join(dir, 'milvus.config.yaml'), `targets: ['${dbPrefix}_*']\n`, { flag: 'a' });
  const targets = ['--targets', 'all'];
  const up = async (parallel) => {
    const res = await cli(['up', ...targets, '--parallel', String(parallel), '--json'], { cwd: dir });
    const doc = JSON.parse(res.stdout);
    const applied = doc.targets.reduce((n, t) => n + t.counts.applied, 0);
    if (applied !== P8_DATABASES * P8_MIGRATIONS)
      throw new Error(`P8: ${applied} migrations applied, expected ${P8_DATABASES * P8_MIGRATIONS}`);
    // Back to nothing applied for the next timed run (not timed).
    await cli(['down', '--to', '0', '--allow-destructive', ...targets, '--parallel', '4'], { cwd: dir });
    return res.ms;
  };
  const times = { 1: [], 4: [] };
  for (let r = 0; r < REPS; r++) for (const n of r % 2 ? [1, 4] : [4, 1]) times[n].push(await up(n));
  const value = ratio(median(times[4]) / median(times[1]));
  record(
    `P8 up of ${P8_MIGRATIONS} migrations on ${P8_DATABASES} databases, --parallel 4 / --parallel 1`,
    value,
    '×',
    '< 1',
    value < 1,
    `${(median(times[4]) / 1000).toFixed(1)} s vs ${(median(times[1]) / 1000).toFixed(1)} s`,
  );
  await cli(['up', ...targets, '--parallel', '4'], { cwd: dir });
  const status = { all: [], one: [] };
  for (let r = 0; r < REPS; r++) {
    status.all.push((await cli(['status', ...targets], { cwd: dir })).ms);
    status.one.push((await cli(['status', '--targets', dbs[0]], { cwd: dir })).ms);
  }
  record(
    `P8 status --targets all: ${P8_DATABASES} targets / 1 target`,
    ratio(median(status.all) / median(status.one)),
    '×',
    '',
    undefined,
    `${Math.round(median(status.all))} ms vs ${Math.round(median(status.one))} ms (--parallel 1)`,
  );
}

/** A collection of `n` rows of 128-dim vectors (FLAT index, loaded), for the rebuild figures. */
async function rebuildSource(name, n) {
  await createCollection(name, REBUILD_DIM, [{ name: 'title', data_type: DataType.VarChar, max_length: 64 }]);
  await fillRows(name, n, REBUILD_DIM, 5_000);
  await check(sdk.loadCollectionSync({ collection_name: name }), 'load');
}

/** Runs a rebuild through a new alias of `src` in-process; ms of its copy and of its verification, from its log lines. */
async function rebuildTimed(src, label, extra) {
  const alias = `${prefix}_${label}`;
  await check(sdk.createAlias({ collection_name: src, alias }), 'createAlias');
  const dir = join(work, label);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, '001_rebuild.yaml'),
    `up:\n  - rebuildCollection: { collection_name: ${alias}, new_collection_name: ${alias}_new, writes: paused, batch_size: 1000, ${extra} changes: { drop_fields: [title] } }\n`,
  );
  created.push(`${alias}_new`, `${prefix}_${label}_state`, `${prefix}_${label}_state_lock`);
  const at = {};
  const logger = {
    debug() {},
    warn() {},
    info(m) {
      const k = /^(copying|importing) /.test(m)
        ? 'copying'
        : /^(copied|imported) /.test(m)
          ? 'copied'
          : m.startsWith('verifying ')
            ? 'verifying'
            : m.startsWith('verified ')
              ? 'verified'
              : undefined;
      if (k) at[k] = performance.now();
    },
  };
  const run = await withApi((milvus) =>
    new api.Migrator({ milvus, store: new api.MilvusStateStore(milvus, `${prefix}_${label}_state`), migrationsDir: dir, logger }).up(),
  );
  if (run.error) throw run.error;
  await sdk.dropAlias({ alias }).catch(() => {});
  return { copy: at.copied - at.copying, verify: at.verified - at.verifying };
}

/** Runs copyRows of `src` into a new collection of its key and vector in-process; ms of its copy phase, from its log lines. */
async function copyRowsTimed(src, label) {
  const dst = `${prefix}_${label}`;
  await createCollection(dst, REBUILD_DIM);
  const dir = join(work, label);
  await mkdir(dir, { recursive: true });
  // The target has no title: copyRows leaves out the fields it lacks, as the plain loop reads only id and v.
  await writeFile(
    join(dir, '001_copy.yaml'),
    `up:\n  - copyRows: { collection_name: ${src}, target_collection_name: ${dst}, batch_size: 1000 }\n`,
  );
  created.push(`${prefix}_${label}_state`, `${prefix}_${label}_state_lock`);
  const at = {};
  const logger = {
    debug() {},
    warn() {},
    info(m) {
      if (m.startsWith('copying ')) at.copying = performance.now();
      if (m.startsWith('copied ')) at.copied = performance.now();
    },
  };
  const run = await withApi((milvus) =>
    new api.Migrator({ milvus, store: new api.MilvusStateStore(milvus, `${prefix}_${label}_state`), migrationsDir: dir, logger }).up(),
  );
  if (run.error) throw run.error;
  return at.copied - at.copying;
}

// P5-P7 and memory of rebuildCollection (issue 14).
async function rebuild() {
  const src = `${prefix}_rb_src`;
  await rebuildSource(src, REBUILD_ROWS);
  // The plain SDK loop: a Strong count, then pages of 1,000 by `id > last` (Bounded) and an insert of each.
  // `client` is the SDK's own, or milvus-migrate's (the same SDK with a lean gRPC interceptor, see src/milvus/transport.ts).
  const plain = async (client = sdk) => {
    const dst = `${prefix}_rb_plain_${randomBytes(2).toString('hex')}`;
    await createCollection(dst, REBUILD_DIM);
    const started = performance.now();
    await check(client.query({ collection_name: src, filter: '', output_fields: ['count(*)'], consistency_level: 'Strong' }), 'count');
    let last;
    for (;;) {
      const res = await check(
        client.query({
          collection_name: src,
          filter: last === undefined ? '' : `id > ${last}`,
          output_fields: ['id', 'v'],
          limit: 1000,
          consistency_level: 'Bounded',
        }),
        'query',
      );
      if (!res.data.length) break;
      await check(client.insert({ collection_name: dst, data: res.data }), 'insert');
      last = res.data.reduce((m, r) => (BigInt(r.id) > BigInt(m) ? r.id : m), res.data[0].id);
      if (res.data.length < 1000) break;
    }
    return performance.now() - started;
  };
  const loops = [];
  const leanLoops = [];
  const ones = [];
  const copies = [];
  const fours = [];
  for (let r = 0; r < REPS; r++) {
    loops.push(await plain());
    leanLoops.push(await withApi((milvus) => plain(milvus.client)));
    ones.push(await rebuildTimed(src, `rb1_${r}`, ''));
    copies.push(await copyRowsTimed(src, `cr_${r}`));
    fours.push(await rebuildTimed(src, `rb4_${r}`, 'parallelism: 4,'));
  }
  const n = REBUILD_ROWS.toLocaleString('en-US');
  const loop = median(loops);
  const one = median(ones.map((x) => x.copy));
  const four = median(fours.map((x) => x.copy));
  const verify = median(ones.map((x) => x.verify));
  // P5 for a copy that took `ms`: the plain loop's time over it.
  const p5 = (what, ms) => {
    const x = ratio(loop / ms);
    record(
      `P5 ${what} copy rows/s / plain SDK loop, ${n} rows × ${REBUILD_DIM} dims`,
      x,
      '×',
      '≥ 1.0',
      x >= 1,
      `${Math.round(ms)} ms vs ${Math.round(loop)} ms (${Math.round(REBUILD_ROWS / (ms / 1000))} rows/s)`,
    );
  };
  p5('rebuild', one);
  p5('copyRows', median(copies));
  // The same loop on milvus-migrate's client: what the copy engine itself adds (reading, checking, hashing, checkpoints).
  const leanLoop = median(leanLoops);
  record(
    'P5 rebuild copy rows/s / the same loop on milvus-migrate client',
    ratio(leanLoop / one),
    '×',
    'report',
    undefined,
    `${Math.round(one)} ms vs ${Math.round(leanLoop)} ms; that loop / the plain SDK loop: ${ratio(loop / leanLoop)}×`,
  );
  const p6 = ratio(one / four);
  record('P6 rebuild copy rows/s, parallelism 4 / 1', p6, '×', 'report', undefined, `${Math.round(four)} ms vs ${Math.round(one)} ms`);
  const p7 = ratio(verify / one);
  record(
    'P7 rebuild verification / copy',
    p7,
    '×',
    '≤ 0.5',
    p7 <= 0.5,
    `${Math.round(verify)} ms vs ${Math.round(one)} ms (every row compared)`,
  );
  await dropRebuildLeftovers();
}

/** By-name rebuilds leave the old collections renamed aside: the bench drops them too. */
async function dropRebuildLeftovers() {
  for (const c of (await sdk.showCollections()).data.map((x) => x.name)) if (c.startsWith(prefix)) created.push(c);
}

// Scale (issue 14): peak RSS of a whole rebuild (`up`, the CLI) of the larger size / the smaller.
// BENCH_REBUILD_MEMORY_ROWS="100000,1000000" gives the issue's sizes (the documented figure);
// the default is a tenth of that, to keep `npm run bench` within minutes on a shared machine.
// Vectors have MEMORY_DIM dimensions: what grows with rows is the tool's memory, not a row's size.
const MEMORY_ROWS = (process.env.BENCH_REBUILD_MEMORY_ROWS ?? '10000,100000').split(',').map(Number);
const MEMORY_DIM = 16;
async function rebuildMemory() {
  const rss = {};
  for (const n of MEMORY_ROWS) {
    const c = `${prefix}_rb_mem_${n}`;
    const seeded = performance.now();
    await createCollection(c, MEMORY_DIM, [{ name: 'title', data_type: DataType.VarChar, max_length: 64 }]);
    await fillRows(c, n, MEMORY_DIM, 50_000);
    await check(sdk.loadCollectionSync({ collection_name: c }), 'load');
    log(`seeded ${n} rows in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
    const dir = await project(`rb_rss_${n}`, `${prefix}_rb_rss_${n}_state`, [
      `up:\n  - rebuildCollection: { collection_name: ${c}, new_collection_name: ${c}_rss, writes: paused, changes: { drop_fields: [title] } }\n`,
    ]);
    created.push(`${c}_rss`);
    const res = await cli(['up', '--json'], { cwd: dir, rss: true });
    if (!JSON.parse(res.stdout).ok) throw new Error(`rebuild failed: ${res.stderr.slice(-1000)}`);
    rss[n] = { mb: Math.round(res.rssKb / 1024), s: (res.ms / 1000).toFixed(1) };
    log(`rebuild of ${n} rows: peak RSS ${rss[n].mb} MB, ${rss[n].s} s`);
    await dropRebuildLeftovers();
    for (const x of [c, `${c}_rss`]) await sdk.dropCollection({ collection_name: x }).catch(() => {});
  }
  const [small, large] = [Math.min(...MEMORY_ROWS), Math.max(...MEMORY_ROWS)];
  const grow = ratio(rss[large].mb / rss[small].mb);
  record(
    `Memory: peak RSS of a rebuild, ${large.toLocaleString('en-US')} / ${small.toLocaleString('en-US')} rows × ${MEMORY_DIM} dims`,
    grow,
    '×',
    '≤ 1.2',
    grow <= 1.2,
    `${rss[large].mb} MB (${rss[large].s} s) vs ${rss[small].mb} MB (${rss[small].s} s)`,
  );
}

// P10: rebuildCollection with strategy: import (JSON files in the server's storage folder, loaded by
// bulkInsert) against strategy: copy, rows/s of the copy phase over the same rows (issue 14).
async function importRebuild() {
  if (!importDir) return log('P10 skipped: a server given by MILVUS_ADDRESS reads no files of this machine');
  const src = `${prefix}_imp_src`;
  await rebuildSource(src, REBUILD_ROWS);
  const copies = [];
  const imports = [];
  for (let r = 0; r < REPS; r++) {
    copies.push((await rebuildTimed(src, `imc_${r}`, '')).copy);
    imports.push((await rebuildTimed(src, `imi_${r}`, 'strategy: import,')).copy);
  }
  const copy = median(copies);
  const imported = median(imports);
  record(
    `P10 rebuild strategy import rows/s / strategy copy, ${REBUILD_ROWS.toLocaleString('en-US')} rows × ${REBUILD_DIM} dims`,
    ratio(copy / imported),
    '×',
    'report',
    undefined,
    `${Math.round(imported)} ms (${Math.round(REBUILD_ROWS / (imported / 1000))} rows/s) vs ${Math.round(copy)} ms (${Math.round(REBUILD_ROWS / (copy / 1000))} rows/s)`,
  );
}

// P9: the preflight of 200 pending migrations on 20 collections (issue 19): the Milvus reads it
// makes (once per collection named, not per step) and its time, against the whole `up` of them.
const P9_COLLECTIONS = 20;
async function p9() {
  const [{ loadMigrations }, { preflight }] = await Promise.all(
    ['migrations/load.js', 'runner/preflight.js'].map((m) => import(pathToFileURL(join(ROOT, 'dist', m)).href)),
  );
  const targets = Array.from({ length: P9_COLLECTIONS }, (_, c) => `${prefix}_p9_${c}`);
  const texts = Array.from({ length: P1_MIGRATIONS }, (_, i) => createPartitionYaml(targets[i % P9_COLLECTIONS], `p${i}`));
  const checks = [];
  const ups = [];
  let calls;
  for (let r = 0; r < REPS; r++) {
    for (const t of targets) await createCollection(t);
    const state = `${prefix}_p9_state_${r}`;
    const dir = await project(`p9_${r}`, state, texts);
    await withApi((milvus) => new api.MilvusStateStore(milvus, state).ensure());
    // In-process, as the runner calls it: every migration pending, every call counted.
    const migrations = await loadMigrations(join(dir, 'migrations'));
    const plan = migrations.map((m) => ({
      migration: m,
      direction: 'up',
      steps: m.up.steps,
      body: m.up,
      notes: [],
      resumeFrom: 0,
      row: undefined,
    }));
    await withApi(async (milvus) => {
      const counted = {};
      const call = milvus.call.bind(milvus);
      milvus.call = (method, req) => ((counted[method] = (counted[method] ?? 0) + 1), call(method, req));
      const started = process.hrtime.bigint();
      await preflight(milvus, plan);
      checks.push(Number(process.hrtime.bigint() - started) / 1e6);
      calls = counted;
    });
    ups.push((await cli(['up'], { cwd: dir })).ms);
    for (const t of targets) {
      const parts = (await check(sdk.showPartitions({ collection_name: t }), 'showPartitions')).partition_names.length;
      if (parts !== P1_MIGRATIONS / P9_COLLECTIONS + 1) throw new Error(`P9: ${t} has ${parts} partitions after up`);
      await sdk.dropCollection({ collection_name: t });
    }
  }
  const total = Object.values(calls).reduce((n, c) => n + c, 0);
  record(
    `P9 Milvus calls of the preflight, ${P1_MIGRATIONS} pending on ${P9_COLLECTIONS} collections`,
    total,
    '',
    `≤ ${4 * P9_COLLECTIONS + 2}`,
    total <= 4 * P9_COLLECTIONS + 2,
    Object.entries(calls)
      .map(([m, c]) => `${m} ${c}`)
      .join(', '),
  );
  const share = ratio(median(checks) / median(ups));
  record(
    'P9 preflight / the whole up of those migrations',
    share,
    '×',
    'report',
    undefined,
    `${Math.round(median(checks))} ms vs ${Math.round(median(ups))} ms`,
  );
}

// Schema as code: `baseline` and `generate` on a database of 100 collections (time and RPCs).
// Reads are batched: one showCollections tells which collections are loaded, then three calls per
// collection, eight collections at a time: the cost grows with collections, not with rows.
// `baseline --dry-run` (the reads and the rendering only) shows what the state collection's
// creation and load add to a real baseline; `generate --target-version` (no server) what the fold
// and the plan cost without the SDK and its connection.
const SAC_COLLECTIONS = Number(process.env.BENCH_SAC_COLLECTIONS ?? 100);
async function schemaAsCode() {
  const db = `${prefix}_sac`;
  await check(sdk.createDatabase({ db_name: db }), 'createDatabase');
  const state = `${prefix}_sac_state`;
  const dir = await project('sac', state, []);
  try {
    for (let i = 0; i < SAC_COLLECTIONS; i++) {
      const collection_name = `c${String(i).padStart(3, '0')}`;
      await check(
        sdk.createCollection({
          db_name: db,
          collection_name,
          fields: [
            { name: 'id', data_type: DataType.Int64, is_primary_key: true },
            { name: 'title', data_type: DataType.VarChar, max_length: 64 },
            { name: 'v', data_type: DataType.FloatVector, dim: 4 },
          ],
        }),
        `createCollection ${collection_name}`,
      );
      await check(sdk.createIndex({ db_name: db, collection_name, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }), 'createIndex');
      await check(sdk.createPartition({ db_name: db, collection_name, partition_name: 'p1' }), 'createPartition');
    }
    const local = new Set([
      'connect',
      'createChannelPool',
      'metadataListener',
      'normalizeFieldOps',
      'checkCompatibility',
      'closeConnection',
    ]);
    const calls = (rpcs) => Object.entries(rpcs).filter(([m]) => !local.has(m));
    const summary = (rpcs) =>
      calls(rpcs)
        .map(([m, c]) => `${m} ${c}`)
        .join(', ');
    const total = (rpcs) => calls(rpcs).reduce((n, [, c]) => n + c, 0);
    const dry = await cli(['baseline', '--dry-run', '--json', '--database', db], { cwd: dir, rpcs: true });
    record(
      `baseline --dry-run of ${SAC_COLLECTIONS} collections (reads and rendering only)`,
      (dry.ms / 1000).toFixed(1),
      ' s',
      'report',
      undefined,
      `${total(dry.rpcs)} RPCs: ${summary(dry.rpcs)}`,
    );
    const base = await cli(['baseline', '--json', '--database', db], { cwd: dir, rpcs: true });
    record(
      `baseline of ${SAC_COLLECTIONS} collections`,
      (base.ms / 1000).toFixed(1),
      ' s',
      'report',
      undefined,
      `${total(base.rpcs)} RPCs: ${summary(base.rpcs)}`,
    );
    // Every collection gets a partition more in schema.yaml: 100 createPartition steps.
    const schemaFile = join(dir, 'schema.yaml');
    const text = await readFile(schemaFile, 'utf8');
    await writeFile(schemaFile, text.replaceAll('      - p1\n', '      - p1\n      - p2\n'));
    const gen = await cli(['generate', 'more partitions', '--dry-run', '--json', '--database', db], { cwd: dir, rpcs: true });
    const steps = JSON.parse(gen.stdout).steps.length;
    const offline = await cli(['generate', 'more partitions', '--dry-run', '--json', '--target-version', '2.3.5'], {
      cwd: dir,
      rpcs: true,
    });
    if (steps !== SAC_COLLECTIONS) throw new Error(`generate wrote ${steps} steps, expected ${SAC_COLLECTIONS}`);
    record(
      `generate over ${SAC_COLLECTIONS} collections (${steps} steps, dry run)`,
      (gen.ms / 1000).toFixed(1),
      ' s',
      'report',
      undefined,
      `${total(gen.rpcs)} RPCs: ${summary(gen.rpcs) || 'none'} (the schema is folded from the migrations)`,
    );
    record(
      `generate over ${SAC_COLLECTIONS} collections, --target-version (no server)`,
      (offline.ms / 1000).toFixed(1),
      ' s',
      'report',
      undefined,
      `${total(offline.rpcs)} RPCs`,
    );
  } finally {
    for (const c of (await sdk.showCollections({ db_name: db })).data) await sdk.dropCollection({ db_name: db, collection_name: c.name });
    await sdk.dropDatabase({ db_name: db });
  }
}

const only = process.env.BENCH_ONLY?.split(',');
let failure;
try {
  for (const [name, fn] of Object.entries({
    p1,
    p2,
    p3,
    p4,
    p9,
    memory,
    rebuild,
    rebuildMemory,
    import: importRebuild,
    p8,
    schemaAsCode,
  })) {
    if (only && !only.includes(name)) continue;
    log(`${name}...`);
    await fn();
  }
} catch (err) {
  failure = err;
} finally {
  for (const c of created) await sdk.dropCollection({ collection_name: c }).catch(() => {});
  for (const db of databases) {
    const shown = await sdk.showCollections({ db_name: db }).catch(() => ({ data: [] }));
    for (const c of shown.data) await sdk.dropCollection({ db_name: db, collection_name: c.name }).catch(() => {});
    await sdk.dropDatabase({ db_name: db }).catch(() => {});
  }
  await sdk.closeConnection().catch(() => {});
  await server?.stop();
  await rm(work, { recursive: true, force: true });
}
if (failure) {
  console.error(failure);
  process.exit(1);
}

const machine = {
  cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown'}`,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  milvus:
    (await new MilvusClient({ address, token, logLevel: 'error' }).getVersion().catch(() => ({ version: server ? 'embedded' : 'unknown' })))
      .version ?? 'unknown',
  server: server ? 'Embedded Milvus started by the bench' : address,
  reps: REPS,
  date: new Date().toISOString(),
};
const table = [
  ['figure', 'value', 'goal', 'result', 'detail'],
  ...rows.map((r) => [r.figure, `${r.value}${r.unit}`, r.goal, r.pass === undefined ? '-' : r.pass ? 'pass' : 'FAIL', r.note]),
];
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log([line(table[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...table.slice(1).map(line)].join('\n'));
console.log(`\n${machine.cpus}, ${machine.memoryGb} GB, Node ${machine.node}, Milvus ${machine.milvus}, medians of ${REPS} repetitions`);
await writeFile(join(ROOT, 'bench', 'results.json'), `${JSON.stringify({ machine, figures: rows }, null, 2)}\n`);
process.exit(0);
