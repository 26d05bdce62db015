/** Tails of command output and logs, for messages. */

/** The last `n` non-empty lines of a text. */
export function lastLines(text: string, n: number): string[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(-n);
}

/** Lines indented by two spaces, to nest them under a message. */
export function indent(lines: readonly string[]): string {
  return lines.map((l) => `  ${l}`).join('\n');
}
