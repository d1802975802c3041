import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunManifest } from '@benchrunner/core';
import { sampleManifest } from '@benchrunner/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FinishedRun, finishedRuns, type SkippedRun } from './finished-runs.ts';
import { carFile, manifestFile, receiptsFile, runDir } from './paths.ts';
import { RunArchive } from './run-archive.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-finished-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function archived(manifest: RunManifest): Promise<void> {
  await new RunArchive(root, manifest.id).writeManifest(manifest);
}

async function scan(): Promise<{ runs: FinishedRun[]; skipped: SkippedRun[] }> {
  const runs: FinishedRun[] = [];
  const skipped: SkippedRun[] = [];
  for await (const run of finishedRuns(root, { onSkipped: (s) => skipped.push(s) })) runs.push(run);
  return { runs, skipped };
}

const RECEIPTS = { artifacts: { store: 'car', cid: 'bafy1', at: '2026-01-01T00:02:00.000Z' }, errors: {} };

describe('finishedRuns', () => {
  it('yields the finished runs in id order, with their receipts', async () => {
    await archived(sampleManifest({ id: 'r2' }));
    await archived(sampleManifest({ id: 'r1', state: 'failed', error: 'exit 1' }));
    await writeFile(receiptsFile(root, 'r2'), JSON.stringify(RECEIPTS));
    await writeFile(carFile(root, 'r2'), 'car bytes');

    const { runs, skipped } = await scan();
    expect(runs.map((r) => [r.id, r.dir, r.manifest.state])).toEqual([
      ['r1', runDir(root, 'r1'), 'failed'],
      ['r2', runDir(root, 'r2'), 'completed'],
    ]);
    expect(runs[0]?.receipts).toEqual({ errors: {} });
    expect(runs[1]?.receipts).toEqual(RECEIPTS);
    expect(skipped).toEqual([]);
  });

  it('leaves out runs still going, silently', async () => {
    await archived(
      sampleManifest({ id: 'ractive', state: 'active', finishedAt: undefined, durationMs: undefined }),
    );
    expect(await scan()).toEqual({ runs: [], skipped: [] });
  });

  it('leaves out folders without a readable manifest and reports each with its file and reason', async () => {
    await archived(sampleManifest({ id: 'rgood' }));
    await mkdir(runDir(root, 'rempty'));
    await mkdir(runDir(root, 'rtorn'));
    await writeFile(manifestFile(root, 'rtorn'), '{ "id": ');
    await mkdir(runDir(root, 'rwrong'));
    await writeFile(manifestFile(root, 'rwrong'), JSON.stringify({ finishedAt: '2026-01-01T00:01:00.000Z' }));

    const { runs, skipped } = await scan();
    expect(runs.map((r) => r.id)).toEqual(['rgood']);
    expect(skipped.map((s) => [s.id, s.error.reason, s.error.file])).toEqual([
      ['rempty', 'missing', manifestFile(root, 'rempty')],
      ['rtorn', 'not-json', manifestFile(root, 'rtorn')],
      ['rwrong', 'invalid', manifestFile(root, 'rwrong')],
    ]);
    expect(skipped[2]?.error.message).toContain(`${manifestFile(root, 'rwrong')}: not a run manifest at `);
  });

  it('yields a finished run whose receipts cannot be read, with the reason instead of receipts', async () => {
    await archived(sampleManifest({ id: 'rodd' }));
    await writeFile(receiptsFile(root, 'rodd'), '{ not json');
    const { runs } = await scan();
    expect(runs).toHaveLength(1);
    expect(runs[0]?.receipts).toBeUndefined();
    expect(runs[0]?.receiptsError?.reason).toBe('not-json');
    expect(runs[0]?.receiptsError?.message).toContain(receiptsFile(root, 'rodd'));
  });

  it('lets the caller remove the folder of the run it was given', async () => {
    for (const id of ['ra', 'rb', 'rc']) await archived(sampleManifest({ id }));
    const seen: string[] = [];
    for await (const run of finishedRuns(root)) {
      seen.push(run.id);
      await rm(run.dir, { recursive: true });
    }
    expect(seen).toEqual(['ra', 'rb', 'rc']);
    expect(await scan()).toEqual({ runs: [], skipped: [] });
  });

  it('fails naming the archive when the archive itself cannot be listed', async () => {
    await expect(finishedRuns(path.join(root, 'absent')).next()).rejects.toThrow(/ENOENT.*absent/);
  });
});
