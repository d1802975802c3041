import type { Regression } from '@benchrunner/results-db';
import { describe, expect, it } from 'vitest';
import { confirmationSection } from './evidence-sections.ts';

describe('confirmationSection', () => {
  it('links each run of a side, and names a run that left its lane with the reason instead of a link', () => {
    const regression = {
      confirmation: {
        startedAt: '2026-11-30T10:00:00.000Z',
        runs: [
          { runId: 'run-a', side: 'baseline', round: 0, commit: 'a'.repeat(40) },
          { runId: 'run-b', side: 'suspect', round: 1, commit: 'b'.repeat(40) },
          {
            runId: 'run-c',
            side: 'baseline',
            round: 2,
            commit: 'a'.repeat(40),
            lost: 'cancelled while waiting: <why>',
          },
        ],
        result: null,
      },
    } as unknown as Regression;
    const html = confirmationSection(regression, 'ms');
    expect(html).toContain('<a href="/runs/run-a">');
    expect(html).toContain('<a href="/runs/run-b">');
    expect(html).not.toContain('href="/runs/run-c"');
    // Escaped: the reason comes from whoever cancelled the run.
    expect(html).toContain('(lost: cancelled while waiting: &lt;why&gt;)');
  });
});
