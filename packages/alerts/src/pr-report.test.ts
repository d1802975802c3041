import { describe, expect, it } from 'vitest';
import { mainRun, pullRequestRun } from '../test/runs.ts';
import { pullRequestOf, pullRequestReport, reportMarkdown, reportMarker } from './pr-report.ts';

describe('reportMarkdown', () => {
  it('stays under GitHub comment limit, saying how many rows it left out', () => {
    const run = pullRequestRun(3, 'run-pr', 1000);
    const report = pullRequestReport(run, pullRequestOf(run, 'main')!, mainRun(1));
    const row = report.rows[0]!;
    const many = {
      ...report,
      rows: Array.from({ length: 2000 }, (_, i) => ({
        ...row,
        benchmark: `benchmark-${i}-${'n'.repeat(40)}`,
      })),
    };
    const body = reportMarkdown(many, 'demo');
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.startsWith(reportMarker('demo', 'local'))).toBe(true);
    const shown = body.split('\n').filter((l) => l.startsWith('| benchmark-')).length;
    expect(shown).toBeGreaterThan(100);
    expect(body).toContain(`${2000 - shown} more rows left out (size limit).`);
  });

  it('escapes table cells and links the run when a URL is given', () => {
    const run = pullRequestRun(3, 'run-pr', 1000);
    const report = pullRequestReport(run, pullRequestOf(run, 'main')!, null);
    const odd = { ...report, rows: [{ ...report.rows[0]!, benchmark: 'a|b\nc' }] };
    const body = reportMarkdown(odd, 'demo', 'https://bench.example.org/runs/run-pr');
    expect(body).toContain('| a\\|b c {fileSet=One4MBFile} | latency |');
    expect(body).toContain('[run-pr](https://bench.example.org/runs/run-pr)');
    expect(body).toContain('no result of `main` on `local` to compare with yet');
    expect(body).not.toContain('noisy');
  });

  it('warns when the minion was noisy during either run', () => {
    const run = pullRequestRun(3, 'run-pr', 1000);
    run.noisy = true;
    const body = reportMarkdown(pullRequestReport(run, pullRequestOf(run, 'main')!, mainRun(1)), 'demo');
    expect(body).toContain('noisy during this run: take the verdicts with care');
  });
});
