/** A field value: a `number` is written as a float, a `bigint` as an integer. */
export type MetricValue = number | bigint | string | boolean;

/** One point, independent of any client library. */
export interface MetricPoint {
  measurement: string;
  /** Few, bounded values: these make the series. Empty values are left out. */
  tags: Record<string, string>;
  fields: Record<string, MetricValue>;
  /** Nanoseconds since the Unix epoch. */
  timestamp: bigint;
}

/** Where a run's metrics go. Implementations: {@link InfluxMetricsSink}. */
export interface MetricsSink {
  readonly name: string;
  /**
   * Readiness: reachable, credentials accepted, database or bucket present. Throws
   * `SinkUnavailableError` (try later) or `ConfigError` (fix the configuration), each with the
   * store's own message.
   */
  check(options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Writes every point, one attempt per batch, never retrying on its own. Throws
   * `SinkUnavailableError` (retryable) or `SinkRejectedError` (permanent). Writing the same points
   * again overwrites them, so a retry after a partial failure is safe.
   */
  write(points: readonly MetricPoint[], options?: { signal?: AbortSignal }): Promise<{ points: number }>;
}
