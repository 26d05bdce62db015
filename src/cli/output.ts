import pc from 'picocolors';
import { redact } from '../util/redact.js';
import type { Logger } from '../logger.js';
import { ProgressRenderer } from './progress.js';

/**
 * Whether to colour output: `--no-color` > `--color` > `NO_COLOR` (set and not empty, see
 * no-color.org) > `FORCE_COLOR` > stderr is a terminal (and `TERM` is not `dumb`). Flags beat the
 * environment, as no-color.org asks. picocolors' own default reads `process.argv` and stdout,
 * which is wrong for `--json` (stdout piped, stderr a terminal) and cannot be tested.
 */
export function colorEnabled(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  stderrIsTTY = Boolean(process.stderr.isTTY),
): boolean {
  if (argv.includes('--no-color') || argv.includes('--color=false')) return false;
  if (argv.includes('--color') || argv.includes('--color=true')) return true;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return stderrIsTTY && env.TERM !== 'dumb';
}

/**
 * Everything the CLI writes goes through here, so secrets are scrubbed in one place and
 * `--json` keeps stdout for the one JSON document.
 */
export class Output {
  readonly secrets: string[] = [];
  readonly colors: ReturnType<typeof pc.createColors>;
  readonly #progress: ProgressRenderer;

  constructor(
    readonly json: boolean,
    readonly verbose: boolean,
    color: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    this.colors = pc.createColors(color);
    const tty = stderr as Partial<Pick<NodeJS.WriteStream, 'isTTY' | 'columns'>>;
    this.#progress = new ProgressRenderer({
      tty: Boolean(tty.isTTY),
      columns: tty.columns,
      write: (text) => this.stderr.write(this.scrub(text)),
      style: this.colors.dim,
    });
  }

  addSecrets(values: readonly (string | undefined)[]): void {
    for (const v of values) if (v && !this.secrets.includes(v)) this.secrets.push(v);
  }

  scrub(text: string): string {
    return this.secrets.length ? redact(text, this.secrets) : text;
  }

  /** The command's result: human text on stdout (nothing in `--json` mode, where {@link document} is used). */
  result(text: string): void {
    if (this.json) return;
    this.#progress.interrupt();
    this.stdout.write(this.scrub(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** Whether this process has printed its JSON document (a crash handler must not add a second). */
  static documentWritten = false;

  /** The one JSON document of `--json`. */
  document(doc: unknown): void {
    Output.documentWritten = true;
    this.#progress.interrupt();
    this.stdout.write(`${this.scrub(JSON.stringify(doc, null, 2))}\n`);
  }

  /** Logs, progress, warnings and errors: always stderr. */
  log(text: string): void {
    this.#progress.interrupt();
    this.stderr.write(this.scrub(text.endsWith('\n') ? text : `${text}\n`));
  }

  logger(): Logger {
    return {
      debug: (m) => this.verbose && this.log(this.colors.dim(m)),
      info: (m) => this.log(m),
      warn: (m) => this.log(this.colors.yellow(`warning: ${m}`)),
      progress: (m, update) => this.#progress.update(m, update),
    };
  }

  /** Ends a live progress line; called when the command ends, also on failure. */
  close(): void {
    this.#progress.end();
  }
}
