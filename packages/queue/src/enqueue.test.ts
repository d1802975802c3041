import type { RunJobData } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { dedupId, runJobName, runJobOptions } from './enqueue.ts';

const base: RunJobData = {
  commit: 'abcdef1',
  benchmarks: ['add', 'extract'],
  profile: false,
  minion: 'local',
  priority: 'manual',
  trigger: { kind: 'api', detail: {} },
};

describe('dedupId', () => {
  it('never merges two probe runs, even of the same commit, side and round', () => {
    const probe = { kind: 'confirmation', regression: 'r1', side: 'baseline', round: 0 } as const;
    const first = dedupId({ ...base, probe, nonce: 'n1' });
    expect(dedupId({ ...base, probe, nonce: 'n2' })).not.toBe(first);
    expect(first).not.toBe(dedupId(base));
  });

  it('ignores the order of benchmarks', () => {
    expect(dedupId({ ...base, benchmarks: ['extract', 'add'] })).toBe(dedupId(base));
  });

  it('ignores a repeated benchmark name', () => {
    expect(dedupId({ ...base, benchmarks: ['add', 'extract', 'add'] })).toBe(dedupId(base));
  });

  it('ignores the order of profilers, file sets and the keys of a profile selection', () => {
    const a = dedupId({
      ...base,
      profile: { profilers: ['doctor', 'flame'], fileSets: ['One4MBFile', 'One64KBFile'] },
    });
    const b = dedupId({
      ...base,
      profile: { fileSets: ['One64KBFile', 'One4MBFile'], profilers: ['flame', 'doctor'] },
    });
    expect(b).toBe(a);
  });

  it('ignores who asked, when, with which priority and nonce', () => {
    const other = dedupId({
      ...base,
      priority: 'ci',
      trigger: { kind: 'github', detail: { event: 'push' } },
      requestedAt: '2026-01-01T00:00:00.000Z',
      nonce: 'x',
    });
    expect(other).toBe(dedupId(base));
  });

  it('tells apart commit, benchmarks, profile, minion and tag', () => {
    const ids = [
      dedupId(base),
      dedupId({ ...base, commit: 'abcdef2' }),
      dedupId({ ...base, benchmarks: ['add'] }),
      dedupId({ ...base, benchmarks: [] }),
      dedupId({ ...base, profile: true }),
      dedupId({ ...base, profile: { profilers: ['doctor'] } }),
      dedupId({ ...base, minion: 'other' }),
      dedupId({ ...base, tag: 'main' }),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is a BullMQ-safe, non-numeric id', () => {
    expect(dedupId(base)).toMatch(/^run-[0-9a-f]{32}$/);
  });
});

describe('runJobOptions', () => {
  it('gives every priority class a priority >= 1, manual first and nightly last', () => {
    const p = (priority: RunJobData['priority']) => runJobOptions({ ...base, priority }).priority ?? 0;
    expect(p('manual')).toBeGreaterThanOrEqual(1);
    expect(p('manual')).toBeLessThan(p('ci'));
    expect(p('ci')).toBeLessThan(p('bisect'));
    expect(p('bisect')).toBeLessThan(p('nightly'));
    expect(runJobOptions(base).attempts).toBe(1);
  });
});

describe('runJobName', () => {
  it('names a probe after its bisection or confirmation, any other run `run`', () => {
    expect(runJobName(base)).toBe('run');
    expect(runJobName({ probe: { kind: 'bisection', bisection: 'b123', regression: 'r1' } })).toBe(
      'run (bisection b123)',
    );
    expect(runJobName({ probe: { kind: 'confirmation', regression: 'r1', side: 'suspect', round: 3 } })).toBe(
      'run (confirmation r1, suspect 3)',
    );
  });
});
