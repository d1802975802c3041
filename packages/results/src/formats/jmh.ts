import type { Measure } from '@benchrunner/core';
import { RowMerger } from '../merge.ts';
import { at, type JsonObject, JsonReader, parseJson } from './json.ts';
import { type Fail, failer, measure, mergedDocument, nsPerUnit, type Parser } from './parser.ts';

const NAME = 'jmh';

/** `ns/op` -> latency in ns; `ops/ms` -> throughput in ops/s; anything else keeps its unit. */
function convert(unit: string): [string, string, number] | undefined {
  const per = /^(\w+)\/op$/.exec(unit);
  if (per) {
    const f = nsPerUnit(per[1] as string);
    return f === undefined ? undefined : ['latency', 'ns', f];
  }
  const ops = /^ops\/(\w+)$/.exec(unit);
  if (ops) {
    const f = nsPerUnit(ops[1] as string);
    return f === undefined ? undefined : ['throughput', 'ops/s', 1e9 / f];
  }
  return undefined;
}

function metric(
  r: JsonReader,
  o: JsonObject,
  path: string,
  fallbackName: string,
  fail: Fail,
): [string, Measure] {
  const unit = r.string(o.scoreUnit, at(path, 'scoreUnit'));
  const [mName, mUnit, f] = convert(unit) ?? [fallbackName, unit, 1];
  const score = r.number(o.score, at(path, 'score'), true);
  let lower: number | undefined;
  let upper: number | undefined;
  if (Array.isArray(o.scoreConfidence) && o.scoreConfidence.length === 2) {
    const [lo, hi] = o.scoreConfidence;
    // JMH writes "NaN" for the confidence of a single measurement.
    if (typeof lo === 'number' && typeof hi === 'number') {
      lower = lo * f;
      upper = hi * f;
    }
  }
  let samples: number[] | undefined;
  if (o.rawData !== undefined) {
    samples = [];
    const forks = r.array(o.rawData, at(path, 'rawData'));
    forks.forEach((fork, i) => {
      for (const v of r.numbers(fork, at(at(path, 'rawData'), i))) (samples as number[]).push(v * f);
    });
  }
  if (mName === fallbackName && !Number.isFinite(score)) fail(at(path, 'score'), 'expected a number');
  return [mName, measure(score * f, mUnit, { lower, upper, samples })];
}

/**
 * JMH `-rf json`: an array of `{benchmark, mode, threads, params?, primaryMetric {score,
 * scoreConfidence, scoreUnit, rawData}, secondaryMetrics}`. A time-per-op unit (avgt, sample, ss)
 * gives `latency` in ns, an ops-per-time unit (thrpt) gives `throughput` in ops/s; samples are
 * the raw iteration scores of every fork. Secondary metrics (`·gc.alloc.rate`, ...) keep their
 * name without the leading `·` and their unit. `mode` and `params` become params.
 */
export const jmhParser: Parser = {
  name: NAME,
  description: 'JMH -rf json',
  detect: (text) => /^\s*\[\s*\{/.test(text) && /"jmhVersion"\s*:/.test(text),
  parse(text, source) {
    const fail = failer(source, NAME);
    const r = new JsonReader(fail);
    const merger = new RowMerger();
    r.array(parseJson(text, fail), '$').forEach((entry, i) => {
      const path = at('$', i);
      const o = r.object(entry, path);
      const name = r.string(o.benchmark, at(path, 'benchmark'));
      const params: Record<string, string> = { mode: r.string(o.mode, at(path, 'mode')) };
      if (o.params !== undefined && o.params !== null) {
        const pp = r.object(o.params, at(path, 'params'));
        for (const [k, v] of Object.entries(pp)) params[k] = r.param(v, at(at(path, 'params'), k));
      }
      const pm = at(path, 'primaryMetric');
      const [mName, m] = metric(r, r.object(o.primaryMetric, pm), pm, 'score', fail);
      const measures: Record<string, Measure> = { [mName]: m };
      if (o.secondaryMetrics !== undefined) {
        const sm = r.object(o.secondaryMetrics, at(path, 'secondaryMetrics'));
        for (const [k, v] of Object.entries(sm)) {
          const sPath = at(at(path, 'secondaryMetrics'), k);
          const label = k.replace(/^[·.]/, '');
          const so = r.object(v, sPath);
          const unit = r.string(so.scoreUnit, at(sPath, 'scoreUnit'));
          measures[label] = measure(r.number(so.score, at(sPath, 'score'), true), unit);
        }
      }
      merger.add(name, params, measures);
    });
    return mergedDocument(NAME, merger, fail);
  },
};
