/**
 * Collects a run's log lines and writes them to the job's log in batches, so a chatty benchmark
 * costs one Redis call per interval instead of one per line.
 */
export class LogBatcher {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (lines: string[]) => Promise<unknown>,
    private readonly options: {
      intervalMs?: number;
      maxLines?: number;
      onError?: (error: Error) => void;
    } = {},
  ) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length >= (this.options.maxLines ?? 200)) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.intervalMs ?? 500);
  }

  /** Writes what is buffered; writes stay in order. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0) return this.pending;
    const lines = this.lines;
    this.lines = [];
    this.pending = this.pending
      .then(() => this.write(lines))
      .then(
        () => undefined,
        (error: Error) => this.options.onError?.(error),
      );
    return this.pending;
  }
}
