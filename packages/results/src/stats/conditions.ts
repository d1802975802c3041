import { environmentFingerprint, FINGERPRINT_KEYS } from '@benchrunner/core';

/** What a run recorded about its minion (`RunManifest.environment`): key=value strings. */
export type EnvironmentRecord = Readonly<Record<string, string>>;

/**
 * Why a comparison of two runs may not mean what it says: their environment fingerprints differ
 * (the fields named), they ran on different hosts, or a minion was busy when the run started
 * (1-minute load average at or above half its CPUs). One sentence per finding; empty when neither
 * side recorded an environment.
 */
export function comparisonConditions(
  a: EnvironmentRecord | undefined,
  b: EnvironmentRecord | undefined,
): string[] {
  const notes: string[] = [];
  if (a !== undefined && b !== undefined) {
    const [fa, fb] = [environmentFingerprint(a), environmentFingerprint(b)];
    if (fa.hash !== fb.hash) {
      const differing = FINGERPRINT_KEYS.filter((key) => fa.fields[key] !== fb.fields[key]).map(
        (key) => `${key} '${fa.fields[key]}' vs '${fb.fields[key]}'`,
      );
      notes.push(`environment fingerprints differ (${fa.hash} vs ${fb.hash}): ${differing.join(', ')}`);
    }
    if ((a.hostname ?? '') !== (b.hostname ?? '')) {
      notes.push(`different hosts: '${a.hostname ?? ''}' vs '${b.hostname ?? ''}'`);
    }
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
