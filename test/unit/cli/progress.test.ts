import { describe, expect, it } from 'vitest';
import { colorEnabled, Output } from '../../../src/cli/output.js';
import { formatElapsed, ProgressRenderer } from '../../../src/cli/progress.js';
import { throttled } from '../../../src/steps/data/rows.js';

/** A renderer over a fake clock and a string buffer. */
function rig(tty: boolean, columns?: number) {
  let now = 1_000_000;
  const written: string[] = [];
  const r = new ProgressRenderer({ tty, write: (t) => written.push(t), now: () => now, intervalMs: 10_000, columns });
  return { r, written, tick: (ms: number) => (now += ms), text: () => written.join('') };
}

const copy = (done: number, elapsedMs: number, final = false) => ({
  task: 'copyRows a → b',
  done,
  total: 5000,
  unit: 'rows' as const,
  elapsedMs,
  final,
});

describe('progress on a TTY', () => {
  it('rewrites one live line in place and ends it with the final update', () => {
    const { r, written } = rig(true);
    r.update('ignored text', copy(1000, 2_000));
    r.update('ignored text', copy(2500, 4_000));
    r.update('ignored text', copy(5000, 61_000, true));
    expect(written).toEqual([
      '\r\x1b[2KcopyRows a → b: 1,000/5,000 rows (20%) · 2 s',
      '\r\x1b[2KcopyRows a → b: 2,500/5,000 rows (50%) · 4 s',
      '\r\x1b[2KcopyRows a → b: 5,000/5,000 rows (100%) · 1 min 01 s done\n',
    ]);
  });

  it('ends the live line before other output and at the end, and never twice', () => {
    const { r, written } = rig(true);
    r.update('x', { task: 'waiting for load of c', done: 40, unit: 'percent', elapsedMs: 3_000 });
    r.interrupt();
    r.interrupt();
    r.update('x', { task: 'waiting for load of c', done: 80, unit: 'percent', elapsedMs: 5_000 });
    r.end();
    r.end();
    expect(written).toEqual(['\r\x1b[2Kwaiting for load of c: 40% · 3 s', '\n', '\r\x1b[2Kwaiting for load of c: 80% · 5 s', '\n']);
  });

  it('measures elapsed time itself when the update does not say, and cuts lines to the terminal width', () => {
    const { r, written, tick } = rig(true, 30);
    r.update('x', { task: 'waiting for flush of a_long_collection_name' });
    tick(12_500);
    r.update('x', { task: 'waiting for flush of a_long_collection_name' });
    expect(written.map((w) => w.replace('\r\x1b[2K', ''))).toEqual(['waiting for flush of a_long_…', 'waiting for flush of a_long_…']);
    const { r: wide, written: w2, tick: tick2 } = rig(true);
    wide.update('x', { task: 'waiting for flush of c' });
    tick2(12_500);
    wide.update('x', { task: 'waiting for flush of c' });
    expect(w2[1]).toBe('\r\x1b[2Kwaiting for flush of c · 12 s');
  });

  it('shows a message without structured form as it is', () => {
    const { r, text } = rig(true);
    r.update('backing up c: 3 of 10 files');
    r.end();
    expect(text()).toBe('\r\x1b[2Kbacking up c: 3 of 10 files\n');
  });
});

describe('progress without a TTY (CI)', () => {
  it('prints plain lines: the first, then at most one per interval, then the final one', () => {
    const { r, written, tick } = rig(false);
    r.update('x', copy(1000, 2_000));
    tick(2_000);
    r.update('x', copy(2000, 4_000));
    tick(7_999);
    r.update('x', copy(3000, 11_999));
    tick(1);
    r.update('x', copy(4000, 12_000));
    tick(500);
    r.update('x', copy(5000, 12_500, true));
    r.end();
    expect(written).toEqual([
      'copyRows a → b: 1,000/5,000 rows (20%) · 2 s\n',
      'copyRows a → b: 4,000/5,000 rows (80%) · 12 s\n',
      'copyRows a → b: 5,000/5,000 rows (100%) · 12 s done\n',
    ]);
  });

  it('starts over for a new task, never rewrites, and passes plain messages through', () => {
    const { r, text } = rig(false);
    r.update('x', { task: 'waiting for index on c.v', done: 10, total: 100, unit: 'rows', elapsedMs: 2_000 });
    r.update('x', { task: 'waiting for load of c', done: 50, unit: 'percent', elapsedMs: 2_000 });
    r.update('backing up c: 3 of 10 files');
    r.update('backing up c: 4 of 10 files');
    r.end();
    expect(text()).toMatchInlineSnapshot(`
      "waiting for index on c.v: 10/100 rows (10%) · 2 s
      waiting for load of c: 50% · 2 s
      backing up c: 3 of 10 files
      backing up c: 4 of 10 files
      "
    `);
    expect(text()).not.toContain('\r');
  });
});

describe('progress through Output', () => {
  function streams(isTTY: boolean) {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
    const stderr = Object.assign({ write: (s: string) => err.push(s) }, { isTTY, columns: 200 }) as unknown as NodeJS.WritableStream;
    return { out, err, stdout, stderr };
  }

  it('keeps stdout for the document, ends the live line before a log line, and scrubs secrets', () => {
    const s = streams(true);
    const o = new Output(true, false, false, s.stdout, s.stderr);
    o.addSecrets(['s3cret']);
    const logger = o.logger();
    logger.progress?.('x', { task: 'copyRows s3cret → b', done: 1, total: 2, unit: 'rows', elapsedMs: 1_000 });
    logger.info('copied');
    o.document({ ok: true });
    o.close();
    expect(s.out).toEqual(['{\n  "ok": true\n}\n']);
    expect(s.err).toEqual(['\r\x1b[2KcopyRows *** → b: 1/2 rows (50%) · 1 s', '\n', 'copied\n']);
  });

  it('dims the live line only with colours on', () => {
    const s = streams(true);
    new Output(false, false, true, s.stdout, s.stderr).logger().progress?.('x', { task: 't', done: 1, unit: 'percent', elapsedMs: 0 });
    expect(s.err[0]).toBe('\r\x1b[2K\x1b[2mt: 1% · 0 ms\x1b[22m');
    const plain = streams(false);
    new Output(false, false, false, plain.stdout, plain.stderr)
      .logger()
      .progress?.('x', { task: 't', done: 1, unit: 'percent', elapsedMs: 0 });
    expect(plain.err).toEqual(['t: 1% · 0 ms\n']);
  });
});

describe('library side of progress', () => {
  it('passes the final update only when it reported before, so short tasks stay silent', () => {
    const seen: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, progress: (m: string) => seen.push(m) };
    const quiet = throttled(logger, 60_000);
    quiet('a', { task: 't', done: 1, final: true });
    expect(seen).toEqual([]);
    const chatty = throttled(logger, 0);
    chatty('b', { task: 't', done: 1 });
    chatty('c', { task: 't', done: 2, final: true });
    expect(seen).toEqual(['b', 'c']);
  });
});

describe('formatElapsed', () => {
  it('reads well at every scale', () => {
    expect([0, 999, 1_000, 59_999, 60_000, 605_000].map(formatElapsed)).toEqual([
      '0 ms',
      '999 ms',
      '1 s',
      '59 s',
      '1 min 00 s',
      '10 min 05 s',
    ]);
  });
});

describe('colours', () => {
  it('honour --no-color and NO_COLOR, flags first', () => {
    expect(colorEnabled([], {}, true)).toBe(true);
    expect(colorEnabled([], {}, false)).toBe(false);
    expect(colorEnabled([], { TERM: 'dumb' }, true)).toBe(false);
    expect(colorEnabled([], { NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled([], { NO_COLOR: '' }, true)).toBe(true);
    expect(colorEnabled([], { FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled([], { NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled(['--no-color'], { FORCE_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled(['--color'], { NO_COLOR: '1' }, false)).toBe(true);
  });
});
