import { environmentFingerprint } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { manifest } from '../test/manifests.ts';
import { runRows } from './rows.ts';

describe('runRows environment_fingerprint', () => {
  it('is the environment fingerprint: the load of the moment does not change it, a setting does', () => {
    const run = manifest({ id: 'r1', startedAt: '2026-11-01T00:00:00.000Z', samples: [1, 2, 3] });
    const busy = { ...run, environment: { ...run.environment, load_avg: '1.9 1.2 1.0' } };
    const fingerprint = runRows(run).run.environment_fingerprint;
    expect(fingerprint).toBe(environmentFingerprint(run.environment).hash);
    expect(runRows(busy).run.environment_fingerprint).toBe(fingerprint);
    const tuned = { ...run, environment: { ...run.environment, cpu_governor: 'performance' } };
    expect(runRows(tuned).run.environment_fingerprint).not.toBe(fingerprint);
  });
});
