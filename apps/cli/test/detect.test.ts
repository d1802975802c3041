import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCommand } from '../src/commands/detect.ts';
import { runInProcess } from './in-process.ts';
import { RESULT_FIXTURES, useScratchDir } from './run-cli.ts';

const scratch = useScratchDir();
const detect = (args: string[]) => runInProcess(['detect', ...args], { commands: [detectCommand] });

async function tigerbeetle(): Promise<number[]> {
  const text = await readFile(path.join(RESULT_FIXTURES, 'otava/published.json'), 'utf8');
  return JSON.parse(text).series.tigerbeetle;
}

describe('benchrunner detect', () => {
  it("finds Otava's change points in a CSV, with commits, as JSON", async () => {
    const series = await tigerbeetle();
    const file = path.join(scratch.path, 'tb.csv');
    const rows = series.map((x, i) => `c${i},"note, ${i}",${x},${x * 2}`);
    await writeFile(file, ['commit,message,ops,double', ...rows].join('\n'));
    const run = await detect([
      file,
      '--window',
      '30',
      '--max-pvalue',
      '0.01',
      '--min-magnitude',
      '0.05',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.metrics.map((m: { metric: string }) => m.metric)).toEqual(['ops', 'double']);
    const ops = out.metrics[0].changePoints;
    expect(ops.map((p: { index: number }) => p.index)).toEqual([15, 71]);
    expect(ops[0]).toMatchObject({ index: 15, commit: 'c15' });
    expect(Object.keys(ops[0]).sort()).toEqual(['after', 'before', 'commit', 'index', 'magnitude', 'pValue']);
    expect(ops[0].before).toBeGreaterThan(ops[0].after);
    expect(ops[0].pValue).toBeLessThan(0.01);

    const one = await detect([
      file,
      '--column',
      'ops',
      '--window',
      '30',
      '--max-pvalue',
      '0.1',
      '--min-magnitude',
      '0.05',
    ]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^ops: 5 change points\n {2}index 10 \(c10\): /);
    expect(one.stdout).not.toMatch(/double/);
  });

  it('reads a JSON series with samples and a time column CSV without labels', async () => {
    const file = path.join(scratch.path, 'samples.json');
    const points = Array.from({ length: 40 }, (_, i) => {
      const level = i < 20 ? 100 : 110;
      return { value: level, samples: [level - 1, level, level + 1, level + (i % 3) / 10], commit: `k${i}` };
    });
    await writeFile(file, JSON.stringify({ latency: points }));
    const run = await detect([file, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).metrics[0]).toMatchObject({
      metric: 'latency',
      changePoints: [{ index: 20, commit: 'k20' }],
    });
  });

  it('labels points by a time column in text, and keeps times out of the JSON', async () => {
    const file = path.join(scratch.path, 'time.csv');
    const rows = Array.from(
      { length: 20 },
      (_, i) => `2026-01-${String(i + 1).padStart(2, '0')},${i < 10 ? 1 : 2}`,
    );
    await writeFile(file, ['time,ops', ...rows].join('\n'));
    const text = await detect([file]);
    expect(text.stdout).toMatch(/^ {2}index 10 \(2026-01-11\): 1 -> 2 \+100\.00%, p=/m);
    const json = JSON.parse((await detect([file, '--json'])).stdout);
    expect(json.metrics[0].changePoints[0]).not.toHaveProperty('commit');
  });

  it('fails a bad cell with one line naming the file and the row', async () => {
    const file = path.join(scratch.path, 'bad.csv');
    await writeFile(file, 'time,ops\n1,10\n2,11\n3,x1\n');
    const run = await detect([file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "benchrunner detect: bad.csv: row 4: column 'ops': expected a number, got 'x1'\n",
    );
    await writeFile(file, 'time,ops\n1,10\n2\n');
    expect((await detect([file])).stderr).toBe(
      'benchrunner detect: bad.csv: row 3: expected 2 cells, found 1\n',
    );
    await writeFile(file, '[1, 2, "3"]');
    expect((await detect([file])).stderr).toMatch(/^benchrunner detect: bad\.csv: row 2 \(\$\[2\]\): /);
  });

  it('rejects an unknown column and bad parameters', async () => {
    const file = path.join(scratch.path, 'ok.csv');
    await writeFile(file, 'a,b\n1,2\n3,4\n');
    expect((await detect([file, '--column', 'c'])).stderr).toMatch(/ok\.csv: no series 'c'; series: a, b/);
    const bad = await detect([file, '--window', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--window/);
    expect((await detect([file, '--max-pvalue', '0'])).code).toBe(2);
  });
});
