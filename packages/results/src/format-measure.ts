/** Steps of a scaled unit: the largest whose factor the value reaches is used. */
type Steps = readonly (readonly [factor: number, name: string])[];

const TIME: Steps = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];
const BYTES: Steps = [
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
  [1, 'B'],
];
const RATE: Steps = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
  [1, ''],
];

/** Four significant digits, or a whole number with thousands separators from 10,000 on. */
function digits(value: number): string {
  if (Math.abs(value) >= 1e4) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(4)));
}

function scaled(value: number, steps: Steps): [string, string] {
  const [factor, name] = steps.find(([f]) => Math.abs(value) >= f) ?? (steps.at(-1) as Steps[number]);
  return [digits(value / factor), name];
}

/**
 * A measure's value for people, in the units of the result model: nanoseconds as `70.05 ms`,
 * bytes as `1.5 MiB`, operations per second as `12.35 Mops/s`, percent as `41.25%`; any other
 * unit as the number and the unit (`0.61 load`). Four significant digits.
 */
export function formatMeasure(value: number, unit: string): string {
  if (!Number.isFinite(value)) return `${value} ${unit}`;
  if (unit === 'ns') return scaled(value, TIME).join(' ');
  if (unit === 'bytes') return scaled(value, BYTES).join(' ');
  if (unit === 'percent') return `${digits(value)}%`;
  if (unit === 'ops/s') {
    const [number, prefix] = scaled(value, RATE);
    return `${number} ${prefix}ops/s`;
  }
  return `${digits(value)} ${unit}`;
}
