import { escapeHtml } from '@benchrunner/core';
import type { MetricPoint } from './metrics-sink.ts';

/** The measurement of regression and change-point annotations, beside the run's metrics. */
export const ANNOTATION_MEASUREMENT = 'benchrunner_annotations';

/** A recorded change, as much of a regression record as an annotation shows. */
export interface AnnotatedChange {
  id: string;
  kind: string;
  status: string;
  detector: string;
  change: number | null;
  series: {
    benchmark: string;
    result: string;
    measure: string;
    unit: string;
    minion: string;
    branch: string;
    params: Record<string, string>;
  };
  lastGood: { commit: string } | null;
  firstBad: { commit: string };
  /** When the first bad run started: the annotation sits there, on its point of the series. */
  at: string;
}

/** Grafana renders an annotation's text as sanitized HTML: names are text, never markup. */
const html = escapeHtml;

/**
 * One annotation point per record. Its tags (benchmark, minion, branch, measure and the record's
 * id) and timestamp are the record's own, so writing a record again after its status changed
 * replaces its annotation instead of adding one.
 * `pageUrl` gives the link to the record's page (none when the API's public URL is unknown).
 */
export function annotationPoints(
  changes: readonly AnnotatedChange[],
  options: { pageUrl?: (id: string) => string } = {},
): MetricPoint[] {
  return changes.map((c) => {
    const { series } = c;
    const change = c.change === null ? '' : ` ${c.change > 0 ? '+' : ''}${(c.change * 100).toFixed(1)} %`;
    const title = `${c.status} ${c.kind}${change}: ${series.benchmark} ${series.measure}`;
    const params = Object.entries(series.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const range = `${c.lastGood ? `${c.lastGood.commit.slice(0, 12)}..` : ''}${c.firstBad.commit.slice(0, 12)}`;
    const link = options.pageUrl?.(c.id);
    const text = [
      html(
        `${series.result}${params ? ` (${params})` : ''} on ${series.minion}, ${series.branch}: ${range}, ${c.detector}`,
      ),
      ...(link ? [`<a href="${html(link)}">regression ${html(c.id)}</a>`] : [html(`regression ${c.id}`)]),
    ].join('<br>');
    const point: MetricPoint = {
      measurement: ANNOTATION_MEASUREMENT,
      tags: {
        benchmark: series.benchmark,
        minion: series.minion,
        branch: series.branch,
        measure: series.measure,
        regression: c.id,
      },
      fields: {
        title,
        text,
        status: c.status,
        kind: c.kind,
        detector: c.detector,
        commit: c.firstBad.commit,
        ...(link ? { link } : {}),
        ...(c.change === null ? {} : { change: c.change }),
      },
      timestamp: BigInt(Date.parse(c.at)) * 1_000_000n,
    };
    return point;
  });
}
