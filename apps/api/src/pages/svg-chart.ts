import { esc } from './html.ts';

/** One point of the chart, oldest first. */
export interface ChartPoint {
  value: number;
  /** The point's interval, drawn as a whisker. */
  lower?: number | null;
  upper?: number | null;
  /** Shown under the axis for some points and in each point's tooltip. */
  label: string;
}

interface ChartLevel {
  median: number;
  ci: { lower: number; upper: number } | null;
}

export interface ChartOptions {
  points: readonly ChartPoint[];
  /** Index of the first point after the change; the marker is drawn just before it. */
  changeIndex: number | null;
  before?: ChartLevel;
  after?: ChartLevel;
  unit: string;
  title: string;
  width?: number;
  height?: number;
}

const MARGIN = { top: 16, right: 16, bottom: 40, left: 72 };

/** A number short enough for an axis label. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(2);
  return Number(value.toPrecision(4)).toLocaleString('en-US');
}

/**
 * The series as an SVG drawn on the server: points with their intervals, a line through them, the
 * change point as a dashed vertical line, and the level before and after it (median and interval).
 * Classes name each part, so a page styles it and a test counts it.
 */
export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 860;
  const height = options.height ?? 320;
  const { points } = options;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const values = points.flatMap((p) => [p.value, p.lower ?? p.value, p.upper ?? p.value]);
  for (const level of [options.before, options.after]) {
    if (level) values.push(level.median, level.ci?.lower ?? level.median, level.ci?.upper ?? level.median);
  }
  const finite = values.filter(Number.isFinite);
  let min = finite.length > 0 ? Math.min(...finite) : 0;
  let max = finite.length > 0 ? Math.max(...finite) : 1;
  if (max === min) [min, max] = [min - Math.abs(min || 1) * 0.05, max + Math.abs(max || 1) * 0.05];
  const pad = (max - min) * 0.08;
  min -= pad;
  max += pad;
  const x = (i: number) => MARGIN.left + (points.length <= 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const y = (v: number) => MARGIN.top + (1 - (v - min) / (max - min)) * plotH;
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [];

  // Axes, grid and y labels.
  for (let k = 0; k <= 4; k++) {
    const v = min + ((max - min) * k) / 4;
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${f(y(v))}" y2="${f(y(v))}"/>`,
      `<text class="axis-label" x="${MARGIN.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${esc(formatNumber(v))}</text>`,
    );
  }
  parts.push(
    `<text class="axis-label" x="14" y="${f(MARGIN.top + plotH / 2)}" transform="rotate(-90 14 ${f(MARGIN.top + plotH / 2)})" text-anchor="middle">${esc(options.unit)}</text>`,
  );
  const every = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    // The last point is labelled too, unless the label before it is too close.
    const last = i === points.length - 1 && i % every >= every / 2;
    if (i % every === 0 || last) {
      parts.push(
        `<text class="axis-label" x="${f(x(i))}" y="${height - MARGIN.bottom + 16}" text-anchor="middle">${esc(p.label)}</text>`,
      );
    }
  });

  // Levels before and after the change, each over its side.
  const marker = options.changeIndex === null ? null : options.changeIndex - 0.5;
  const level = (name: string, l: ChartLevel | undefined, from: number, to: number) => {
    if (!l || from > to) return;
    const [x1, x2] = [Math.max(MARGIN.left, x(from)), Math.min(width - MARGIN.right, x(to))];
    if (l.ci) {
      parts.push(
        `<rect class="level-ci ${name}" x="${f(x1)}" y="${f(y(l.ci.upper))}" width="${f(x2 - x1)}" height="${f(Math.max(1, y(l.ci.lower) - y(l.ci.upper)))}"/>`,
      );
    }
    parts.push(
      `<line class="level ${name}" x1="${f(x1)}" x2="${f(x2)}" y1="${f(y(l.median))}" y2="${f(y(l.median))}"><title>${esc(`${name} median ${formatNumber(l.median)} ${options.unit}`)}</title></line>`,
    );
  };
  if (marker !== null) {
    level('before', options.before, 0, marker);
    level('after', options.after, marker, points.length - 1);
  }

  // The series: intervals, line, points.
  points.forEach((p, i) => {
    if (p.lower != null && p.upper != null && Number.isFinite(p.lower) && Number.isFinite(p.upper)) {
      parts.push(
        `<line class="ci" x1="${f(x(i))}" x2="${f(x(i))}" y1="${f(y(p.lower))}" y2="${f(y(p.upper))}"/>`,
      );
    }
  });
  if (points.length > 1) {
    parts.push(
      `<polyline class="series-line" points="${points.map((p, i) => `${f(x(i))},${f(y(p.value))}`).join(' ')}"/>`,
    );
  }
  points.forEach((p, i) => {
    const side = options.changeIndex === null ? '' : i < options.changeIndex ? ' before' : ' after';
    parts.push(
      `<circle class="point${side}" cx="${f(x(i))}" cy="${f(y(p.value))}" r="4"><title>${esc(`${p.label}: ${formatNumber(p.value)} ${options.unit}`)}</title></circle>`,
    );
  });

  if (marker !== null) {
    const mx = f(x(Math.max(0, marker)));
    parts.push(
      `<line class="change-point" x1="${mx}" x2="${mx}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"><title>change point</title></line>`,
      `<text class="change-label" x="${mx}" y="${MARGIN.top + 10}" text-anchor="middle">change</text>`,
    );
  }
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(options.title)}">${parts.join('')}</svg>`;
}
