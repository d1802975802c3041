import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunManifest } from '@benchrunner/core';
import { sampleManifest } from '@benchrunner/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { RunArchive, settleManifest } from './run-archive.ts';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const manifest = (state: RunManifest['state']): RunManifest =>
  sampleManifest({ id: 'rsettle', state, attempt: 2, finishedAt: undefined, durationMs: undefined });

describe('settleManifest', () => {
  it('ends an active manifest in the given state, with the reason and finishedAt', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-settle-'));
    await new RunArchive(root, 'rsettle').writeManifest(manifest('active'));
    const now = new Date('2026-01-01T00:01:00.000Z');
    const settled = await settleManifest(
      root,
      'rsettle',
      'failed',
      'job stalled more than allowable limit',
      now,
    );
    expect(settled).toMatchObject({ state: 'failed', finishedAt: now.toISOString(), durationMs: 60_000 });
    const stored = JSON.parse(await readFile(path.join(root, 'rsettle', 'manifest.json'), 'utf8'));
    expect(stored).toMatchObject({ state: 'failed', error: 'job stalled more than allowable limit' });
  });

  it('leaves a manifest that already ended, and a run without one', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-settle-'));
    await new RunArchive(root, 'rsettle').writeManifest(manifest('completed'));
    expect(await settleManifest(root, 'rsettle', 'failed', 'x')).toBeUndefined();
    expect(await settleManifest(root, 'rnone', 'failed', 'x')).toBeUndefined();
  });
});
