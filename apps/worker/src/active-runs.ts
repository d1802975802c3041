/**
 * Why an active run was aborted: a cancel request, the worker's shutdown, or the loss of the run's
 * Redis lock (another worker may own the run now).
 */
export type AbortCause = { kind: 'cancel'; reason: string } | { kind: 'shutdown' } | { kind: 'lost' };

/** The runs this process is executing, so a cancel request or a shutdown can abort them. */
export class ActiveRuns {
  private readonly runs = new Map<string, { controller: AbortController; cause?: AbortCause }>();

  start(runId: string): { signal: AbortSignal; cause: () => AbortCause | undefined; done: () => void } {
    const entry: { controller: AbortController; cause?: AbortCause } = { controller: new AbortController() };
    this.runs.set(runId, entry);
    return {
      signal: entry.controller.signal,
      cause: () => entry.cause,
      done: () => {
        if (this.runs.get(runId) === entry) this.runs.delete(runId);
      },
    };
  }

  /** Aborts runId if it runs here; true when it did. */
  cancel(runId: string, reason: string): boolean {
    const entry = this.runs.get(runId);
    if (!entry) return false;
    this.abort(entry, { kind: 'cancel', reason });
    return true;
  }

  /** Aborts runId if it runs here because its Redis lock was lost; true when it did. */
  lose(runId: string): boolean {
    const entry = this.runs.get(runId);
    if (!entry) return false;
    this.abort(entry, { kind: 'lost' });
    return true;
  }

  /** Aborts every run, to be requeued: the process is going away. */
  shutdown(): number {
    for (const entry of this.runs.values()) this.abort(entry, { kind: 'shutdown' });
    return this.runs.size;
  }

  get size(): number {
    return this.runs.size;
  }

  private abort(entry: { controller: AbortController; cause?: AbortCause }, cause: AbortCause): void {
    if (entry.controller.signal.aborted) return;
    entry.cause = cause;
    entry.controller.abort(
      cause.kind === 'cancel'
        ? `cancelled: ${cause.reason}`
        : cause.kind === 'lost'
          ? 'lock lost: another worker may own the run now'
          : 'worker shutting down',
    );
  }
}
