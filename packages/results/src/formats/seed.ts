import type { Measure } from '@benchrunner/core';
import { RowMerger } from '../merge.ts';
import { at, type Json, JsonReader, parseJson } from './json.ts';
import { failer, measure, mergedDocument, type Parser } from './parser.ts';

const NAME = 'seed';

/**
 * The ipfs/benchmarks result file: what each script wrote to `$OUT_FOLDER/<name>.json` through
 * `tests/lib/output.js` (one object per file, or an array of them when `REMOTE=true`), built by
 * `tests/schema/results.js`:
 * - `duration {s, ms}` from `process.hrtime` (`s` whole seconds, `ms` the nanosecond part / 1e6):
 *   `latency` in ns = s * 1e9 + ms * 1e6;
 * - `cpu`: a number, the machine-wide busy percent from `os.cpus()` times (since boot) -> `cpu`
 *   percent; an object `{user, system}` in microseconds (`process.cpuUsage()`) -> `cpu_time` ns;
 * - `memory`: a number, `os.totalmem() - os.freemem()` in bytes -> `memory` bytes; an object from
 *   `process.memoryUsage()` -> `memory` = its `rss`, plus `heap_used` bytes when present;
 * - `loadAvg`: `os.loadavg()` -> `load_avg_1m` (unit `load`);
 * - `file_set`, `warmup`, and the `subTest`/`testClass` props some scripts passed, become params.
 */
export const seedParser: Parser = {
  name: NAME,
  description: 'ipfs/benchmarks result file: {name, warmup, file_set, duration {s, ms}, cpu, memory, ...}',
  detect: (text) =>
    /^\s*[[{]/.test(text) && /"duration"\s*:\s*\{/.test(text) && /"(warmup|file_set|loadAvg)"\s*:/.test(text),
  parse(text, source) {
    const fail = failer(source, NAME);
    const r = new JsonReader(fail);
    const root = parseJson(text, fail);
    const entries: [Json, string][] = Array.isArray(root)
      ? root.map((e, i) => [e, at('$', i)])
      : [[root, '$']];
    const merger = new RowMerger();
    for (const [entry, path] of entries) {
      const o = r.object(entry, path);
      const name = r.string(o.name, at(path, 'name'));
      const params: Record<string, string> = {};
      for (const p of ['file_set', 'warmup', 'subTest', 'testClass']) {
        if (o[p] !== undefined && o[p] !== null) params[p] = r.param(o[p], at(path, p));
      }
      const dPath = at(path, 'duration');
      const d = r.object(o.duration, dPath);
      const s = r.number(d.s, at(dPath, 's'));
      const ms = r.number(d.ms, at(dPath, 'ms'));
      const measures: Record<string, Measure> = { latency: measure(s * 1e9 + ms * 1e6, 'ns') };
      const cpu = o.cpu;
      if (typeof cpu === 'object' && cpu !== null && !Array.isArray(cpu)) {
        const cPath = at(path, 'cpu');
        const user = r.number(cpu.user, at(cPath, 'user'));
        const system = r.number(cpu.system, at(cPath, 'system'));
        measures.cpu_time = measure((user + system) * 1e3, 'ns');
      } else if (cpu !== undefined) {
        measures.cpu = measure(r.number(cpu, at(path, 'cpu')), 'percent');
      }
      const mem = o.memory;
      if (typeof mem === 'object' && mem !== null && !Array.isArray(mem)) {
        const mPath = at(path, 'memory');
        measures.memory = measure(r.number(mem.rss, at(mPath, 'rss')), 'bytes');
        const heap = r.optNumber(mem.heapUsed, at(mPath, 'heapUsed'));
        if (heap !== undefined) measures.heap_used = measure(heap, 'bytes');
      } else if (mem !== undefined) {
        measures.memory = measure(r.number(mem, at(path, 'memory')), 'bytes');
      }
      if (o.loadAvg !== undefined) {
        const lPath = at(path, 'loadAvg');
        const load = r.numbers(o.loadAvg, lPath);
        if (load.length === 0) fail(lPath, 'expected the three load averages, got an empty array');
        measures.load_avg_1m = measure(load[0] as number, 'load');
      }
      merger.add(name, params, measures);
    }
    return mergedDocument(NAME, merger, fail);
  },
};
