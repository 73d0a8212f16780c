/**
 * A one-line progress bar with rate and ETA, redrawn in place on a TTY (stderr in Node) and
 * printed as plain lines elsewhere (CI logs, files). In browsers, pass `write` to route it.
 */
export interface ProgressOptions {
  total: number;
  label: string;
  /** Unit of the rate, e.g. 'samples/s'. */
  unit?: string;
  write?: (text: string) => void;
  /** Minimum milliseconds between redraws (default 200). */
  interval?: number;
}

function defaultWrite(): { write: (s: string) => void; tty: boolean } {
  const stream = typeof process !== 'undefined' ? process.stderr : undefined;
  if (stream?.write) return { write: (s) => stream.write(s), tty: !!stream.isTTY };
  return { write: (s) => console.log(s.trimEnd()), tty: false };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export class ProgressBar {
  private readonly start = Date.now();
  private last = Date.now();
  private readonly out: { write: (s: string) => void; tty: boolean };

  constructor(private readonly o: ProgressOptions) {
    this.out = o.write ? { write: o.write, tty: false } : defaultWrite();
  }

  /** `done` units finished (of total), `amount` of work for the rate, extra text at the end. */
  update(done: number, amount: number, extra = '', force = false): void {
    const now = Date.now();
    // On a TTY redraw in place every `interval`; in logs print a line every 10 s and the final one.
    const every = this.out.tty ? (this.o.interval ?? 200) : 10_000;
    if (!force && now - this.last < every) return;
    this.last = now;
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? amount / secs : 0;
    const eta = done > 0 ? (secs * (this.o.total - done)) / done : Infinity;
    const width = 24;
    const filled = Math.round((width * Math.min(done, this.o.total)) / Math.max(this.o.total, 1));
    const bar = `[${'='.repeat(Math.max(filled - 1, 0))}${filled > 0 ? (done >= this.o.total ? '=' : '>') : ''}${' '.repeat(width - filled)}]`;
    const timing = done >= this.o.total ? `${formatDuration(secs)}` : `ETA ${formatDuration(eta)}`;
    const line = `${this.o.label} ${bar} ${done}/${this.o.total} ${timing} ${rate.toFixed(1)} ${this.o.unit ?? 'items/s'}${extra ? ` ${extra}` : ''}`;
    this.out.write(this.out.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  /** Final redraw and newline. */
  finish(done: number, amount: number, extra = ''): void {
    this.update(done, amount, extra, true);
    if (this.out.tty) this.out.write('\n');
  }
}
