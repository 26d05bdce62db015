/** Shortest part of a `user:password` token that is scrubbed on its own (shorter ones are too common). */
const MIN_PART_LENGTH = 4;

/**
 * Replaces every occurrence of each secret in `text` by `***`.
 *
 * A secret of the form `user:password` (a Milvus token made of credentials) is also scrubbed part
 * by part, for parts of 4 characters or more, because an SDK or server message may quote just the
 * user or the password. Longer secrets are replaced first so a part never splits a whole secret.
 * Matching is exact (case-sensitive); empty secrets are ignored.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    needles.add(secret);
    const colon = secret.indexOf(':');
    if (colon !== -1) {
      // Split at the first colon: user names can't contain one, passwords can.
      for (const part of [secret.slice(0, colon), secret.slice(colon + 1)]) {
        if (part.length >= MIN_PART_LENGTH) needles.add(part);
      }
    }
  }
  let out = text;
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    out = out.split(needle).join('***');
  }
  return out;
}
