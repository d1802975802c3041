import type { Logger } from '@benchrunner/core';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const CONNECTION_MESSAGES =
  /Connection is closed|Stream isn't writeable|connect ECONNREFUSED|read ECONNRESET/;

/** True when `error` says Redis cannot be reached (rather than that a command failed). */
export function isConnectionError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGES.test(error.message);
}

/**
 * One report per Redis outage. Every connection and every BullMQ worker retries on its own and
 * reports each failed attempt (about 18 lines a second, with stacks, from one worker); an outage
 * is logged once when it starts and once when it ends, with the number of errors in between.
 */
export class RedisOutage {
  private down: { since: number; errors: number } | undefined;

  constructor(private readonly log: Logger) {}

  get isDown(): boolean {
    return this.down !== undefined;
  }

  /** An error of a Redis connection or of a BullMQ worker (`source` names which). */
  error(source: string, error: Error): void {
    if (!this.down && !isConnectionError(error)) {
      this.log.error({ err: error, source }, 'redis error');
      return;
    }
    if (!this.down) {
      this.down = { since: Date.now(), errors: 0 };
      this.log.error(
        { source, reason: error.message },
        'redis unreachable: no run starts or finishes until it is back; retrying',
      );
    }
    this.down.errors++;
    this.log.debug({ source, reason: error.message }, 'redis still unreachable');
  }

  /** A connection is ready (again). */
  ready(): void {
    if (!this.down) return;
    this.log.info(
      { downMs: Date.now() - this.down.since, errors: this.down.errors },
      'redis reachable again',
    );
    this.down = undefined;
  }
}
