/**
 * A progress bar on stderr (results stay on stdout). On a terminal one line is redrawn in place
 * (`\r`); otherwise (a pipe, a CI log) a plain line is written whenever the bar advances by a tenth,
 * and at the end — never control characters.
 */
export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
}

export class ProgressBar {
  private lastTenth = -1;
  private lastLine = '';
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
    private readonly width = 30,
  ) {}

  static bar(done: number, total: number, width: number): string {
    const f = total > 0 ? Math.min(1, done / total) : 1;
    const n = Math.round(f * width);
    return `[${'#'.repeat(n)}${'-'.repeat(width - n)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
  }

  update(done: number, total: number, detail: string): void {
    const line = `${this.label} ${ProgressBar.bar(done, total, this.width)} ${done}/${total} ${detail}`;
    if (this.sink.isTTY) {
      if (line === this.lastLine) return;
      this.sink.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else {
      const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
      if (tenth === this.lastTenth) return;
      this.lastTenth = tenth;
      this.sink.write(`${line}\n`);
    }
    this.lastLine = line;
  }

  /** Ends the bar (final state shown once more on a non-TTY only when it changed). */
  end(done: number, total: number, detail: string): void {
    if (this.sink.isTTY) {
      this.update(done, total, detail);
      if (this.drawn) this.sink.write('\n');
      return;
    }
    const line = `${this.label} ${ProgressBar.bar(done, total, this.width)} ${done}/${total} ${detail}`;
    if (line !== this.lastLine) this.sink.write(`${line}\n`);
    this.lastLine = line;
  }
}
