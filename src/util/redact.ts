/** Shortest password part of a `user:password` token that is scrubbed on its own (shorter ones are too common). */
const MIN_PART_LENGTH = 4;

/**
 * Milvus' documented default password. It is public, and scrubbing it on its own would blank out
 * the word "Milvus" in every message; the whole token `root:Milvus` is still scrubbed.
 */
const PUBLIC_DEFAULT_PASSWORD = 'Milvus';

/**
 * Replaces every occurrence of each secret in `text` by `***`.
 *
 * A secret of the form `user:password` (a Milvus token made of credentials) also has its password
 * part scrubbed on its own (4 characters or more, not the public default), because an SDK or
 * server message may quote just the password. The user name is not a secret (it is in
 * `applied_by`-style output anyway). Longer secrets are replaced first so a part never splits a whole secret.
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
      const password = secret.slice(colon + 1);
      if (password.length >= MIN_PART_LENGTH && password !== PUBLIC_DEFAULT_PASSWORD) needles.add(password);
    }
  }
  let out = text;
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    out = out.split(needle).join('***');
  }
  return out;
}
