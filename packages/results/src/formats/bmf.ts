import type { Measure } from '@benchrunner/core';
import { at, JsonReader, parseJson } from './json.ts';
import { failer, type Parser } from './parser.ts';

const NAME = 'bmf';

/** Units of Bencher's built-in measures; other measures get unit `unknown` (BMF carries none). */
const BMF_UNITS: Record<string, [string, string]> = {
  latency: ['latency', 'ns'],
  throughput: ['throughput', 'ops/s'],
  'file-size': ['file_size', 'bytes'],
  'build-time': ['build_time', 's'],
};

/**
 * Bencher Metric Format: `{"bench name": {"measure-slug": {value, lower_value?, upper_value?}}}`.
 * Bencher's built-in measures map to the model (latency ns, throughput ops/s, file-size bytes,
 * build-time s); other slugs keep their name, with unit `unknown`.
 */
export const bmfParser: Parser = {
  name: NAME,
  description: 'Bencher Metric Format (BMF) JSON',
  detect: (text) =>
    /^\s*\{\s*"(?:[^"\\]|\\.)*"\s*:\s*\{\s*"(?:[^"\\]|\\.)*"\s*:\s*\{\s*"(value|lower_value|upper_value)"\s*:/.test(
      text,
    ),
  parse(text, source) {
    const fail = failer(source, NAME);
    const r = new JsonReader(fail);
    const root = r.object(parseJson(text, fail), '$');
    const benchmarks = Object.entries(root).map(([name, v]) => {
      const path = at('$', name);
      if (name === '') fail(path, 'expected a benchmark name, got an empty key');
      const measures: Record<string, Measure> = {};
      for (const [slug, mv] of Object.entries(r.object(v, path))) {
        const mPath = at(path, slug);
        const m = r.object(mv, mPath);
        const [mName, unit] = BMF_UNITS[slug] ?? [slug, 'unknown'];
        const out: Measure = { value: r.number(m.value, at(mPath, 'value'), true), unit };
        const lo = r.optNumber(m.lower_value, at(mPath, 'lower_value'), true);
        const hi = r.optNumber(m.upper_value, at(mPath, 'upper_value'), true);
        if (lo !== undefined) out.lower = lo;
        if (hi !== undefined) out.upper = hi;
        measures[mName] = out;
      }
      return { name, params: {}, measures };
    });
    return { format: NAME, benchmarks };
  },
};
