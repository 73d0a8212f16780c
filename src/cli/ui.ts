/**
 * Where the command line's output goes. Human-readable lines go to stdout, or to stderr when
 * `--json` reserves stdout for the summary; progress bars always go to stderr; `--quiet` keeps only
 * errors (and the JSON).
 */
import { ProgressBar, formatDuration } from '../train/progress.js';

/** Streams the CLI writes to (process.stdout/stderr, or buffers in tests). */
export interface CliIO {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  /** Working folder for relative paths and the default ./runs (default process.cwd()). */
  cwd?: string;
}

export class Ui {
  readonly quiet: boolean;
  readonly json: boolean;

  constructor(readonly io: CliIO, options: { quiet?: boolean; json?: boolean } = {}) {
    this.quiet = options.quiet ?? false;
    this.json = options.json ?? false;
  }

  /** A line of human-readable output. */
  log(line = ''): void {
    if (this.quiet) return;
    this.flush();
    (this.json ? this.io.stderr : this.io.stdout).write(`${line}\n`);
  }

  /** A warning: shown unless quiet, always on stderr. */
  warn(line: string): void {
    if (this.quiet) return;
    this.flush();
    this.io.stderr.write(`warning: ${line}\n`);
  }

  /** The machine-readable summary (only with --json). */
  emitJson(value: unknown): void {
    this.flush();
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A completed progress line held back (see {@link progressWrite}). */
  private held: { key: string; line: string } | null = null;

  /** Writes out a held progress line. */
  flush(): void {
    if (this.held) this.io.stderr.write(this.held.line);
    this.held = null;
  }

  /**
   * Off a terminal, a ProgressBar prints one line when it reaches its total and another when it
   * finishes (with the epoch's metrics); keep only the second of such a pair.
   */
  private readonly lineWriter = (s: string): void => {
    const line = s.endsWith('\n') ? s : `${s}\n`;
    const m = /^(.*? \[=+\] (\d+)\/\2) /.exec(line);
    if (m) {
      // The first complete line of a bar is held; the second (its finish) replaces it.
      if (this.held?.key === m[1]) {
        this.held = null;
        this.io.stderr.write(line);
        return;
      }
      this.flush();
      this.held = { key: m[1]!, line };
      return;
    }
    this.flush();
    this.io.stderr.write(line);
  };

  /** Whether progress bars are shown. */
  get progress(): boolean {
    return !this.quiet;
  }

  /**
   * A `write` for ProgressBar-based code: undefined on the real stderr (so bars redraw in place on
   * a terminal), else a function that prints to our stderr stream.
   */
  get progressWrite(): ((s: string) => void) | undefined {
    if (this.io.stderr === process.stderr && process.stderr.isTTY) return undefined;
    return this.lineWriter;
  }

  bar(total: number, label: string, unit: string): ProgressBar | null {
    if (!this.progress) return null;
    const write = this.progressWrite;
    return new ProgressBar({ total, label, unit, ...(write ? { write } : {}) });
  }

  /**
   * Runs an async phase with no measurable progress (reading a corpus) under a ticking
   * "label … 3.2s" line on a terminal, then prints one line with the result and its rate.
   */
  async phase<T>(label: string, run: () => Promise<T>, done: (value: T, seconds: number) => string): Promise<T> {
    const start = Date.now();
    const tty = this.progress && this.io.stderr === process.stderr && !!process.stderr.isTTY;
    const timer = tty ? setInterval(() => this.io.stderr.write(`\r${label} … ${formatDuration((Date.now() - start) / 1000)}\x1b[K`), 250) : null;
    try {
      const value = await run();
      const secs = (Date.now() - start) / 1000;
      if (timer) this.io.stderr.write('\r\x1b[K');
      this.flush();
      if (this.progress) this.io.stderr.write(`${label} ${done(value, secs)}\n`);
      return value;
    } finally {
      if (timer) clearInterval(timer);
    }
  }
}
