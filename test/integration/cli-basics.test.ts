/** CLI behaviour a new user meets first: init, create, help, usage errors, bad addresses. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useMilvusTest } from '../support/context.js';

const t = useMilvusTest();

describe('offline commands', () => {
  it('init writes a config and a migrations folder with an example migration, and leaves existing ones alone', async () => {
    const p = await t.project();
    await rm(join(p.dir, 'milvus.config.yaml'));
    await rm(p.migrationsDir, { recursive: true });
    const res = await p.cli(['init']);
    expect(res.code, res.stderr).toBe(0);
    expect(await readFile(join(p.dir, 'milvus.config.yaml'), 'utf8')).toContain('stateCollection: milvus_migrations');
    // An example migration to start from, named like `create` names files.
    expect(await readdir(p.migrationsDir)).toEqual([expect.stringMatching(/^\d{14}_create_example_collection\.yaml$/)]);
    const again = await p.cli(['init', '--json']);
    expect(again.json()).toMatchObject({ command: 'init', ok: true, created: [] });
  });

  it('create names files YYYYMMDDHHMMSS_<slug>.<ext> from a template per format', async () => {
    const p = await t.project();
    for (const format of ['yaml', 'ts', 'js']) {
      const res = await p.cli(['create', 'Add 2027 partition', '--format', format, '--json']);
      expect(res.code, res.stderr).toBe(0);
      expect(res.json().path).toMatch(new RegExp(`/migrations/\\d{14}_add_2027_partition\\.${format === 'js' ? 'mjs' : format}$`));
    }
    const yaml = (await readdir(p.migrationsDir)).find((f) => f.endsWith('.yaml'))!;
    expect(await readFile(join(p.migrationsDir, yaml), 'utf8')).toContain('createPartition');
  });

  it('usage errors exit 2 and point at --help', async () => {
    const p = await t.project();
    const res = await p.cli(['up', '--to', 'a', '--step', '2']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Arguments to and step are mutually exclusive');
    expect(res.stderr).toContain('milvus-migrate --help');
    expect((await p.cli(['frobnicate'])).code).toBe(2);
    expect((await p.cli(['up', '--step', '0'])).code).toBe(2);
    const help = await p.cli(['up', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--allow-destructive');
  });

  it('a bad config is exit 2 with file, line and a suggestion', async () => {
    const p = await t.project({ config: 'migrations: migrations\nadress: localhost:1\n' });
    const res = await p.cli(['status', '--json']);
    expect(res.code).toBe(2);
    const doc = res.json();
    expect(doc.error.kind).toBe('invalid-input');
    expect(doc.error.message).toContain('did you mean "address"?');
    expect(doc.error.problems[0]).toMatchObject({ line: 2 });
  });

  it('validate --offline keeps parsed migrations in the cache root and gives the same answer from it; a changed file and a bad one are read anew', async () => {
    const p = await t.project();
    const cache = await mkdtemp(join(tmpdir(), 'mm-cache-'));
    try {
      await p.write('20260101000000_a.yaml', 'description: first\nup:\n  - createPartition: { collection_name: c, partition_name: p1 }\n');
      const env = { MILVUS_MIGRATE_CACHE: cache };
      const run = async () => {
        const res = await p.cli(['validate', '--offline', '--json'], { env });
        return { code: res.code, doc: res.json() as { migrations?: unknown; problems?: unknown } };
      };
      const first = await run();
      expect(first.code).toBe(0);
      const parsed = (await readdir(join(cache, 'compile-cache'))).filter((n) => n.startsWith('parse-'));
      expect(parsed).toHaveLength(1);
      expect(await run()).toEqual(first);
      await p.write('20260101000000_a.yaml', 'up:\n  - createPartition: { collection_name: c }\n');
      const bad = await run();
      expect(bad.code).toBe(2);
      expect(JSON.stringify(bad.doc)).toContain('partition_name');
      // Off with the code caches: nothing is written.
      const off = await mkdtemp(join(tmpdir(), 'mm-cache-'));
      await p.write('20260101000000_a.yaml', 'description: first\nup:\n  - createPartition: { collection_name: c, partition_name: p1 }\n');
      const res = await p.cli(['validate', '--offline', '--json'], {
        env: { MILVUS_MIGRATE_CACHE: off, MILVUS_MIGRATE_COMPILE_CACHE: '0' },
      });
      expect(res.json()).toEqual(first.doc);
      expect(await readdir(off)).toEqual([]);
      await rm(off, { recursive: true, force: true });
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});

describe('connection failures', () => {
  it('exit 5 with the address and a hint, no stack trace, token never shown', async () => {
    const p = await t.project();
    const res = await p.cli(['status', '--json', '--token', 'sekret-token-123'], { env: { MILVUS_ADDRESS: '127.0.0.1:1' } });
    expect(res.code).toBe(5);
    const doc = res.json();
    expect(doc.error.kind).toBe('connection');
    expect(doc.error.message).toContain('Cannot connect to Milvus at 127.0.0.1:1');
    expect(doc.error.hint).toContain('MILVUS_ADDRESS');
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.stdout + res.stderr).not.toContain('sekret-token-123');
  });
});

describe('transient faults', () => {
  it('a server that comes up a few seconds late is retried, not a failure', async () => {
    const net = await import('node:net');
    const { testAddress } = await import('../support/milvus.js');
    const [host, port] = testAddress().split(':') as [string, string];
    // Reserve a free port and release it; forwarding to Milvus starts once the command is retrying.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const latePort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const proxy = net.createServer((socket) => {
      const upstream = net.connect(Number(port), host);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    const p = await t.project();
    // Open the port only once the command has failed to connect and said it will retry: however
    // slowly the process starts, its first attempt finds nothing listening.
    let opened: Promise<void> | undefined;
    const run = p.cli(['status', '--json'], {
      env: { MILVUS_ADDRESS: `127.0.0.1:${latePort}` },
      onStderr: (text) => {
        if (!opened && text.includes('retrying in')) opened = new Promise<void>((r) => proxy.listen(latePort, '127.0.0.1', r));
      },
    });
    const res = await run;
    proxy.close();
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('retrying in');
    expect(res.json().counts.pending).toBe(0);
  });
});
