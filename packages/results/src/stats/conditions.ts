/** What a run recorded about its minion (`RunManifest.environment`): key=value strings. */
export type EnvironmentRecord = Readonly<Record<string, string>>;

/** Keys whose difference makes two runs' timings incomparable. */
const MACHINE_KEYS = [
  'hostname',
  'cpu_model',
  'cpu_count',
  'arch',
  'kernel',
  'os',
  'cpu_governor',
  'turbo_disabled',
  'aslr',
  'node',
] as const;

/**
 * Why a comparison of two runs may not mean what it says: the machines or their settings differ,
 * or a minion was busy when the run started (1-minute load average at or above half its CPUs).
 * One sentence per finding; empty when neither side recorded an environment.
 */
export function comparisonConditions(
  a: EnvironmentRecord | undefined,
  b: EnvironmentRecord | undefined,
): string[] {
  const notes: string[] = [];
  if (a !== undefined && b !== undefined) {
    const differing = MACHINE_KEYS.filter((key) => (a[key] ?? '') !== (b[key] ?? '')).map(
      (key) => `${key} '${a[key] ?? ''}' vs '${b[key] ?? ''}'`,
    );
    if (differing.length > 0) notes.push(`environments differ: ${differing.join(', ')}`);
  }
  for (const [side, env] of [
    ['A', a],
    ['B', b],
  ] as const) {
    const load = Number(env?.load_avg?.trim().split(/\s+/)[0]);
    const cpus = Number(env?.cpu_count);
    if (Number.isFinite(load) && cpus > 0 && load >= cpus / 2) {
      notes.push(`the minion of ${side} was busy: load average ${load} on ${cpus} CPUs when the run started`);
    }
  }
  return notes;
}
