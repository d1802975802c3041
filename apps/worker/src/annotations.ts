import type { Logger } from '@benchrunner/core';
import type { Regression, ResultsDb } from '@benchrunner/results-db';
import { annotationPoints, type MetricsSink } from '@benchrunner/sinks';
import type { StatusListener } from './status-listeners.ts';

/** The page of a regression record under the API's public URL. */
function regressionPageUrl(publicApiUrl: string): (id: string) => string {
  const base = publicApiUrl.replace(/\/+$/, '');
  return (id) => `${base}/regressions/${encodeURIComponent(id)}`;
}

/**
 * Writes each record as a Grafana annotation (measurement `benchrunner_annotations`) at its first
 * bad run's time, when a metrics sink is configured; a record written again replaces its
 * annotation, so a status change shows. Throws what the sink throws: the caller retries.
 */
export async function annotateRegressions(
  deps: { metricsSink?: MetricsSink; resultsDb: ResultsDb; publicApiUrl?: string; signal?: AbortSignal },
  regressions: readonly Regression[],
  log: Logger,
): Promise<number> {
  if (!deps.metricsSink || regressions.length === 0) return 0;
  const facts = await deps.resultsDb.runFacts([...new Set(regressions.map((r) => r.firstBad.runId))]);
  const startedAt = new Map(facts.map((f) => [f.runId, f.startedAt]));
  const changes = regressions.flatMap((r) => {
    const at = startedAt.get(r.firstBad.runId);
    return at ? [{ ...r, at }] : [];
  });
  const points = annotationPoints(
    changes,
    deps.publicApiUrl ? { pageUrl: regressionPageUrl(deps.publicApiUrl) } : {},
  );
  await deps.metricsSink.write(points, deps.signal ? { signal: deps.signal } : {});
  log.info({ annotations: points.length, sink: deps.metricsSink.name }, 'regressions annotated');
  return points.length;
}

/**
 * A status listener that rewrites the record's annotation with its new status (confirming,
 * confirmed, noise, fixed...); undefined without a metrics sink. Idempotent: the same point again.
 */
export function annotationListener(
  deps: { metricsSink?: MetricsSink; resultsDb: ResultsDb; publicApiUrl?: string },
  log: Logger,
): StatusListener | undefined {
  if (!deps.metricsSink) return undefined;
  return async ({ regression }) => {
    await annotateRegressions(deps, [regression], log);
  };
}
