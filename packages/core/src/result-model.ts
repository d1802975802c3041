import { z } from 'zod';

/**
 * The one shape every result parser returns (close to Bencher's BMF, plus params and samples).
 * Canonical measures: `latency` in ns, `throughput` in ops/s, `memory` in bytes, `cpu` in percent;
 * other figures keep the tool's own measure name and unit.
 */
export const Measure = z
  .object({
    /** The tool's own headline estimate (mean, ns/op, ops/sec, ...). */
    value: z.number().finite(),
    lower: z.number().finite().optional(),
    upper: z.number().finite().optional(),
    unit: z.string().min(1),
    /** Every observation behind `value`, when the tool reports them or rows were merged. */
    samples: z.array(z.number().finite()).optional(),
  })
  .strict();
export type Measure = z.infer<typeof Measure>;

export const BenchmarkResult = z
  .object({
    name: z.string().min(1),
    params: z.record(z.string(), z.string()),
    measures: z.record(z.string(), Measure),
  })
  .strict();
export type BenchmarkResult = z.infer<typeof BenchmarkResult>;

export const ResultDocument = z
  .object({
    format: z.string().min(1),
    benchmarks: z.array(BenchmarkResult),
  })
  .strict();
export type ResultDocument = z.infer<typeof ResultDocument>;

/** Canonical units of the canonical measures. */
export const CANONICAL_UNITS = {
  latency: 'ns',
  throughput: 'ops/s',
  memory: 'bytes',
  cpu: 'percent',
} as const;
