/**
 * Progress output for long operator commands (journal replay/verify, cycle close, demo).
 *
 * Contract: `progress(total, label)` returns a Progress that the caller feeds with `update(done)` (an
 * absolute count) or `add(n)`, then ends with `finish()`. Output goes to stderr (or `options.stream`),
 * never stdout, so it never mixes with a command's data output.
 * - Stream is a TTY: one bar redrawn in place (`\r`, erase to end of line) with percent, counts, rate
 *   and ETA, at most every `redrawMs`; `finish()` draws the final state and ends the line.
 * - Otherwise (a pipe, a CI log): a plain line each time another `everyPercent` percent is reached,
 *   and one summary line at `finish()`; no control characters.
 *
 * Nothing is shown during the first `delayMs` (default 1000): work that ends sooner prints nothing at
 * all (no bar, no lines, no summary), so quick runs stay quiet.
 * update() is cheap when nothing is due (one comparison), so callers may call it per record.
 * `done` beyond `total` is shown as is with the percentage capped at 100; total 0 reads as 100 %.
 *
 * Thread: a Progress belongs to the thread that created it (it writes synchronously to the stream).
 */

/** The part of a tty.WriteStream this module uses (tests pass a fake). */
export interface ProgressStream {
  isTTY?: boolean;
  /** Terminal width; the bar shrinks to fit (default 80). */
  columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Non-TTY: a line each time this many percent more are done (default 10). */
  everyPercent?: number;
  /** TTY: least time between redraws in ms (default 100). */
  redrawMs?: number;
  /** Monotonic clock in ms (default performance.now). */
  now?: () => number;
  /** What is counted, for the lines: "records", "bytes" (bytes are shown in KiB/MiB/GiB). Default "items". */
  unit?: string;
  /** Show nothing before this many ms have passed (default 1000; 0 = at once). */
  delayMs?: number;
}

export interface Progress {
  /** `done` so far (absolute). */
  update(done: number): void;
  /** `n` more done. */
  add(n: number): void;
  /** Draw the final state (TTY: and end the line) or print the summary line; later calls do nothing. */
  finish(note?: string): void;
  /** Current count. */
  readonly done: number;
}

export function progress(total: number, label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const delayMs = options.delayMs ?? 1000;
  return stream.isTTY === true
    ? new TtyProgress(total, label, stream, now, options.redrawMs ?? 100, options.unit ?? 'items', delayMs)
    : new LineProgress(total, label, stream, now, options.everyPercent ?? 10, options.unit ?? 'items', delayMs);
}

abstract class BaseProgress implements Progress {
  done = 0;
  protected finished = false;
  /** Something was written (finish() is silent otherwise). */
  protected shown = false;
  /** update() does nothing until done reaches this (recomputed by due()). */
  protected nextAt = 0;
  protected readonly t0: number;

  constructor(
    protected readonly total: number,
    protected readonly label: string,
    protected readonly stream: ProgressStream,
    protected readonly now: () => number,
    protected readonly unit: string,
    protected readonly delayMs: number,
  ) {
    this.t0 = now();
  }

  /** Past the initial quiet period (checked only when something is due). */
  protected awake(): boolean {
    return this.shown || this.now() - this.t0 >= this.delayMs;
  }

  update(done: number): void {
    this.done = done;
    if (done >= this.nextAt && !this.finished) this.due();
  }

  add(n: number): void {
    this.update(this.done + n);
  }

  abstract finish(note?: string): void;
  protected abstract due(): void;

  protected percent(): number {
    if (this.total <= 0) return 100;
    return Math.min(100, (this.done / this.total) * 100);
  }

  /** Items per second since the start; 0 before any time has passed. */
  protected rate(): number {
    const s = (this.now() - this.t0) / 1000;
    return s > 0 ? this.done / s : 0;
  }

  /** Seconds left at the current rate; NaN when unknown. */
  protected etaSeconds(): number {
    const r = this.rate();
    if (r <= 0 || this.total <= 0) return NaN;
    return Math.max(0, (this.total - this.done) / r);
  }

  /** "1.0 MiB/10.0 MiB" for bytes, "100/1000 records" otherwise (exact counts). */
  protected counts(): string {
    return this.unit === 'bytes' ? `${formatBytes(this.done)}/${formatBytes(this.total)}` : `${Math.round(this.done)}/${Math.round(this.total)} ${this.unit}`;
  }

  protected count(n: number): string {
    return this.unit === 'bytes' ? formatBytes(n) : `${Math.round(n)} ${this.unit}`;
  }

  protected rateText(): string {
    const r = this.rate();
    return this.unit === 'bytes' ? `${formatBytes(r)}/s` : `${formatCount(r)} ${this.unit}/s`;
  }
}

class TtyProgress extends BaseProgress {
  #lastDraw = -Infinity;
  readonly #step: number;

  constructor(total: number, label: string, stream: ProgressStream, now: () => number, private readonly redrawMs: number, unit: string, delayMs: number) {
    super(total, label, stream, now, unit, delayMs);
    // Look at the clock at most ~1000 times over the run (and at every update when total is tiny).
    this.#step = Math.max(1, Math.floor(total / 1000));
    this.nextAt = 0;
  }

  protected due(): void {
    this.nextAt = this.done + this.#step;
    const t = this.now();
    if (t - this.#lastDraw < this.redrawMs || !this.awake()) return;
    this.#lastDraw = t;
    this.#draw('');
  }

  finish(note?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.shown) return;
    this.#draw(note === undefined ? '' : ` ${note}`);
    this.stream.write('\n');
  }

  #draw(suffix: string): void {
    const pct = this.percent();
    const eta = this.finished ? `in ${formatDuration((this.now() - this.t0) / 1000)}` : `ETA ${formatDuration(this.etaSeconds())}`;
    const tail = ` ${pct.toFixed(1).padStart(5)}% ${this.counts()} ${this.rateText()} ${eta}${suffix}`;
    const columns = this.stream.columns ?? 80;
    const width = Math.max(10, Math.min(40, columns - this.label.length - tail.length - 4));
    const filled = Math.round((pct / 100) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    this.shown = true;
    this.stream.write(`\r${this.label} [${bar}]${tail}\x1b[K`);
  }
}

class LineProgress extends BaseProgress {
  readonly #every: number;
  /** Next percentage to report. */
  #nextPct: number;

  constructor(total: number, label: string, stream: ProgressStream, now: () => number, everyPercent: number, unit: string, delayMs: number) {
    super(total, label, stream, now, unit, delayMs);
    this.#every = everyPercent > 0 && everyPercent <= 100 ? everyPercent : 10;
    this.#nextPct = this.#every;
    this.nextAt = this.#threshold();
  }

  /** Count at which #nextPct is reached (Infinity once 100 % was reported). */
  #threshold(): number {
    if (this.#nextPct > 100) return Infinity;
    return this.total <= 0 ? 0 : Math.ceil((this.#nextPct / 100) * this.total);
  }

  protected due(): void {
    const pct = this.percent();
    const quiet = !this.awake();
    // One line per call even when several steps were crossed at once (the highest one).
    let reached = this.#nextPct;
    while (reached + this.#every <= pct + 1e-9) reached += this.#every;
    this.#nextPct = reached + this.#every;
    this.nextAt = this.#threshold();
    if (quiet) return; // the steps passed during the quiet period are not reported
    this.shown = true;
    const eta = this.etaSeconds();
    this.stream.write(
      `${this.label}: ${Math.min(100, Math.round(reached))}% (${this.counts()}) ${this.rateText()}${Number.isNaN(eta) || pct >= 100 ? '' : `, ETA ${formatDuration(eta)}`}\n`,
    );
  }

  finish(note?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.shown) return;
    const s = (this.now() - this.t0) / 1000;
    this.stream.write(`${this.label}: done, ${this.count(this.done)} in ${formatDuration(s)} (${this.rateText()})${note === undefined ? '' : `; ${note}`}\n`);
  }
}

/** 999, 12.3k, 4.56M, 7.89G. */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  if (a < 1e6) return `${(n / 1e3).toFixed(a < 1e4 ? 2 : 1)}k`;
  if (a < 1e9) return `${(n / 1e6).toFixed(a < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

/** 512 B, 1.5 KiB, 12.0 MiB, 1.00 GiB. */
export function formatBytes(n: number): string {
  const a = Math.abs(n);
  if (a < 1024) return `${Math.round(n)} B`;
  if (a < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (a < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
}

/** 0.4s, 12s, 3:05, 1:02:03; "?" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
