/**
 * One-line progress on stderr (events done / total, rate, ETA), redrawn in place on a TTY; shared by
 * the operator commands (projection rebuild, aggregate state rebuild and verify).
 */
export class ProgressBar {
  private readonly startedAt = Date.now();
  private lastLine = '';

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  render(done: number, total: number): void {
    const width = 30;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    const seconds = (Date.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 && total > done ? `${Math.ceil((total - done) / rate)}s` : '-';
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(1)}% ${done}/${total} events ${Math.round(rate)} ev/s ETA ${eta}`;
    if (line === this.lastLine) return;
    this.lastLine = line;
    this.out.write(this.out.isTTY ? `\r${line}` : `${line}\n`);
  }

  finish(message: string): void {
    this.out.write(`${this.out.isTTY ? '\n' : ''}${message}\n`);
  }
}
