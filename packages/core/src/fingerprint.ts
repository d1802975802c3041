import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The environment values that must match for two runs' timings to be compared: the hardware and
 * its tuning (CPU model and count, the CPUs the benchmarks are pinned to, architecture, governor,
 * turbo, ASLR, SMT) and the software the benchmarks run on (kernel, OS, node and tool versions).
 * The minion's name, its load and free memory are left out: they are not settings, and the load
 * changes with every run.
 */
export const FINGERPRINT_KEYS = [
  'aslr',
  'arch',
  'clinic',
  'cpu_count',
  'cpus',
  'cpu_governor',
  'cpu_model',
  'git',
  'kernel',
  'node',
  'npm',
  'os',
  'smt',
  'turbo_disabled',
] as const;

/** A run's environment fingerprint and the values that went into it. */
export const EnvironmentFingerprint = z.object({
  /** The first 16 hex digits of the sha256 of `fields` as JSON in {@link FINGERPRINT_KEYS} order. */
  hash: z.string().regex(/^[0-9a-f]{16}$/),
  /** Every key of {@link FINGERPRINT_KEYS}; '' for one the minion did not report. */
  fields: z.record(z.string(), z.string()),
});
export type EnvironmentFingerprint = z.infer<typeof EnvironmentFingerprint>;

/**
 * The fingerprint of a captured environment (`RunManifest.environment`). Keys outside
 * {@link FINGERPRINT_KEYS} do not change it; a missing key counts as ''.
 */
export function environmentFingerprint(
  environment: Readonly<Record<string, string>>,
): EnvironmentFingerprint {
  const fields: Record<string, string> = {};
  for (const key of FINGERPRINT_KEYS) fields[key] = environment[key] ?? '';
  const hash = createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
  return { hash, fields };
}
