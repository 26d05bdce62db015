/** `status --check`: a CI gate that exits 1 unless every migration is applied. */
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { JSON_DOCUMENTS } from '../../src/cli/json-shapes.js';
import { useMilvusTest } from '../support/context.js';
import { uniqueName } from '../support/milvus.js';
import { collectionYaml } from '../support/project.js';

const t = useMilvusTest();

describe('status --check', () => {
  it('exits 1 while anything is pending, failed, changed or missing, 0 when all is applied; plain status exits 0', async () => {
    const p = await t.project();
    const c = uniqueName('check');
    const check = async () => {
      const res = await p.cli(['status', '--check', '--json']);
      const doc = JSON_DOCUMENTS.status.parse(res.json());
      expect(doc.exitCode, res.stderr).toBe(res.code);
      expect(doc.ok).toBe(res.code === 0);
      return { code: res.code, upToDate: doc.upToDate, statuses: doc.migrations.map((m) => m.status) };
    };

    // Nothing at all is up to date.
    expect(await check()).toEqual({ code: 0, upToDate: true, statuses: [] });

    await p.write('001_create.yaml', `up:\n${collectionYaml(c)}`);
    expect(await check()).toEqual({ code: 1, upToDate: false, statuses: ['pending'] });
    const plain = await p.cli(['status', '--json']);
    expect(plain.code).toBe(0);
    expect(plain.json()).toMatchObject({ ok: true, exitCode: 0, upToDate: false });
    const text = await p.cli(['status', '--check']);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('status --check: not up to date: 1 pending (exit 1)');

    expect((await p.cli(['up'])).code).toBe(0);
    expect(await check()).toEqual({ code: 0, upToDate: true, statuses: ['applied'] });
    expect((await p.cli(['status', '--check'])).code).toBe(0);

    // A failed run: a code migration that fails while it runs (the preflight cannot see into code).
    await p.write('002_fail.mjs', `export default { async up() { throw new Error('the backfill failed'); } };\n`);
    expect((await p.cli(['up'])).code).toBe(1);
    expect(await check()).toEqual({ code: 1, upToDate: false, statuses: ['applied', 'failed'] });
    expect((await p.cli(['mark', '002_fail', '--pending'])).code).toBe(0);
    await rm(`${p.migrationsDir}/002_fail.mjs`);
    expect(await check()).toMatchObject({ code: 0, statuses: ['applied'] });

    // Edited after it ran.
    await p.write('001_create.yaml', `description: edited\nup:\n${collectionYaml(c)}`);
    expect(await check()).toEqual({ code: 1, upToDate: false, statuses: ['changed'] });
    await p.write('001_create.yaml', `up:\n${collectionYaml(c)}`);
    expect(await check()).toMatchObject({ code: 0 });

    // Recorded, but its file is gone.
    await rm(`${p.migrationsDir}/001_create.yaml`);
    expect(await check()).toEqual({ code: 1, upToDate: false, statuses: ['missing'] });
  });
});
