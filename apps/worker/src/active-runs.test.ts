import { describe, expect, it } from 'vitest';
import { ActiveRuns } from './active-runs.ts';

describe('ActiveRuns', () => {
  it('aborts a run on cancel with the reason, and only that run', () => {
    const active = new ActiveRuns();
    const a = active.start('ra');
    const b = active.start('rb');
    expect(active.size).toBe(2);
    expect(active.cancel('ra', 'user asked')).toBe(true);
    expect(a.signal.aborted).toBe(true);
    expect(String(a.signal.reason)).toBe('cancelled: user asked');
    expect(a.cause()).toEqual({ kind: 'cancel', reason: 'user asked' });
    expect(b.signal.aborted).toBe(false);
    expect(b.cause()).toBeUndefined();
  });

  it('answers false for a run that is not here', () => {
    const active = new ActiveRuns();
    expect(active.cancel('rnone', 'x')).toBe(false);
    const run = active.start('ra');
    run.done();
    expect(active.cancel('ra', 'x')).toBe(false);
    expect(run.signal.aborted).toBe(false);
    expect(active.size).toBe(0);
  });

  it('aborts every run on shutdown, keeping the first cause of a run aborted twice', () => {
    const active = new ActiveRuns();
    const a = active.start('ra');
    const b = active.start('rb');
    active.cancel('ra', 'first');
    expect(active.shutdown()).toBe(2);
    expect(a.cause()).toEqual({ kind: 'cancel', reason: 'first' });
    expect(b.cause()).toEqual({ kind: 'shutdown' });
    expect(String(b.signal.reason)).toBe('worker shutting down');
  });

  it('does not forget a newer run of the same id when an older one finishes', () => {
    const active = new ActiveRuns();
    const old = active.start('ra');
    const retry = active.start('ra');
    old.done();
    expect(active.size).toBe(1);
    expect(active.cancel('ra', 'x')).toBe(true);
    expect(retry.signal.aborted).toBe(true);
    expect(old.signal.aborted).toBe(false);
  });

  it('aborts a run whose lock was lost, and only that run', () => {
    const active = new ActiveRuns();
    const a = active.start('ra');
    const b = active.start('rb');
    expect(active.lose('ra')).toBe(true);
    expect(active.lose('rnone')).toBe(false);
    expect(a.cause()).toEqual({ kind: 'lost' });
    expect(String(a.signal.reason)).toMatch(/^lock lost/);
    expect(b.signal.aborted).toBe(false);
  });
});
