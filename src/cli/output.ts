import pc from 'picocolors';
import { redact } from '../config/redact.js';
import type { Logger } from '../logger.js';

/**
 * Everything the CLI writes goes through here, so secrets are scrubbed in one place and
 * `--json` keeps stdout for the one JSON document.
 */
export class Output {
  readonly secrets: string[] = [];
  readonly colors: ReturnType<typeof pc.createColors>;

  constructor(
    readonly json: boolean,
    readonly verbose: boolean,
    color: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    this.colors = pc.createColors(color);
  }

  addSecrets(values: readonly (string | undefined)[]): void {
    for (const v of values) if (v && !this.secrets.includes(v)) this.secrets.push(v);
  }

  scrub(text: string): string {
    return this.secrets.length ? redact(text, this.secrets) : text;
  }

  /** The command's result: human text on stdout (nothing in `--json` mode, where {@link document} is used). */
  result(text: string): void {
    if (!this.json) this.stdout.write(this.scrub(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** The one JSON document of `--json`. */
  document(doc: unknown): void {
    this.stdout.write(`${this.scrub(JSON.stringify(doc, null, 2))}\n`);
  }

  /** Logs, progress, warnings and errors: always stderr. */
  log(text: string): void {
    this.stderr.write(this.scrub(text.endsWith('\n') ? text : `${text}\n`));
  }

  logger(): Logger {
    return {
      debug: (m) => this.verbose && this.log(this.colors.dim(m)),
      info: (m) => this.log(m),
      warn: (m) => this.log(this.colors.yellow(`warning: ${m}`)),
      progress: (m) => this.log(this.colors.dim(m)),
    };
  }
}
