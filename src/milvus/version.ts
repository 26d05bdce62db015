/** Milvus versions as the server reports them (`v2.3.5-lite`, `2.6.0`, `v2.4.13-hotfix`). */

/** `[major, minor, patch]` of a version string, or undefined when it has none. */
export function parseVersion(v: string): [number, number, number] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Negative, zero or positive like `Array.sort` expects. Unparseable versions sort first. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a) ?? [0, 0, 0];
  const pb = parseVersion(b) ?? [0, 0, 0];
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/** Whether `server` is at least `needed`. A server whose version cannot be read is assumed new enough. */
export function atLeast(server: string, needed: string): boolean {
  return parseVersion(server) === undefined || compareVersions(server, needed) >= 0;
}
