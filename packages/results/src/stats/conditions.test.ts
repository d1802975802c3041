import { environmentFingerprint } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { comparisonConditions } from './conditions.ts';

const quiet = {
  hostname: 'm1',
  cpu_model: 'EPYC',
  cpu_count: '2',
  node: 'v20.20.2',
  load_avg: '0.10 0.20 0.30',
};

describe('comparisonConditions', () => {
  it('says nothing of two runs on the same quiet machine, or of files without environments', () => {
    expect(comparisonConditions(quiet, { ...quiet, load_avg: '0.5 0.1 0.1' })).toEqual([]);
    expect(comparisonConditions(undefined, undefined)).toEqual([]);
  });

  it('names what differs and a busy minion', () => {
    const b = { ...quiet, node: 'v22.1.0', load_avg: '1.5 1 1' };
    expect(comparisonConditions(quiet, b)).toEqual([
      `environment fingerprints differ (${environmentFingerprint(quiet).hash} vs ${environmentFingerprint(b).hash}): node 'v20.20.2' vs 'v22.1.0'`,
      'the minion of B was busy: load average 1.5 on 2 CPUs when the run started',
    ]);
  });

  it('uses the fingerprint fields: SMT and tool versions count, a different host is its own note', () => {
    expect(comparisonConditions({ ...quiet, smt: 'on' }, { ...quiet, smt: 'off' })[0]).toMatch(
      /^environment fingerprints differ \([0-9a-f]{16} vs [0-9a-f]{16}\): smt 'on' vs 'off'$/,
    );
    expect(comparisonConditions(quiet, { ...quiet, hostname: 'm2' })).toEqual([
      "different hosts: 'm1' vs 'm2'",
    ]);
  });
});
