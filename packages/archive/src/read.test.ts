import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sampleManifest } from '@benchrunner/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveReadError } from './errors.ts';
import { manifestFile, receiptsFile } from './paths.ts';
import { readManifest, readManifestFile } from './read.ts';
import { fullyPublished, readReceipts, writeReceipts } from './receipts.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-archive-read-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeManifestText(runId: string, text: string): Promise<string> {
  const file = manifestFile(root, runId);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

/** The ArchiveReadError a read rejects with. */
async function failure(read: Promise<unknown>): Promise<ArchiveReadError> {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArchiveReadError);
  return error as ArchiveReadError;
}

describe('readManifest', () => {
  it('reads a manifest the schema accepts', async () => {
    const manifest = sampleManifest({ id: 'rgood' });
    await writeManifestText('rgood', JSON.stringify(manifest));
    expect(await readManifest(root, 'rgood')).toEqual(manifest);
  });

  it('names the file of a missing manifest', async () => {
    const error = await failure(readManifest(root, 'rnone'));
    expect(error.reason).toBe('missing');
    expect(error.file).toBe(manifestFile(root, 'rnone'));
    expect(error.message).toBe(`no run manifest at ${manifestFile(root, 'rnone')}`);
  });

  it('names the file of a manifest that is not JSON', async () => {
    const file = await writeManifestText('rtorn', '{ "id": "rtorn", ');
    const error = await failure(readManifest(root, 'rtorn'));
    expect(error.reason).toBe('not-json');
    expect(error.message).toMatch(new RegExp(`^${literal(file)}: not JSON: `));
  });

  it('names the file and the first bad field of a manifest the schema rejects, and counts the rest', async () => {
    const { id: _id, ...noId } = sampleManifest();
    const file = await writeManifestText('rbad', JSON.stringify({ ...noId, state: 'exploded' }));
    const error = await failure(readManifestFile(file));
    expect(error.reason).toBe('invalid');
    expect(error.message).toMatch(
      new RegExp(`^${literal(file)}: not a run manifest at (id|state): .* \\(and 1 more\\)$`),
    );
    expect(error.problems.map((p) => p.path).sort()).toEqual(['id', 'state']);
  });

  // root reads any file: there is nothing to refuse.
  it.skipIf(process.getuid?.() === 0)('names the file of a manifest that cannot be read', async () => {
    const file = await writeManifestText('rlocked', JSON.stringify(sampleManifest()));
    await chmod(file, 0o000);
    const error = await failure(readManifestFile(file));
    expect(error.reason).toBe('unreadable');
    expect(error.message).toMatch(new RegExp(`^cannot read ${literal(file)}: EACCES`));
  });

  it('reports a folder in place of the manifest as unreadable, not as missing', async () => {
    await mkdir(manifestFile(root, 'rdir'), { recursive: true });
    const error = await failure(readManifest(root, 'rdir'));
    expect(error.reason).toBe('unreadable');
    expect(error.message).toMatch(/EISDIR/);
  });
});

describe('publish receipts', () => {
  it('reads no file as no confirmation, and reads back what was written', async () => {
    expect(await readReceipts(root, 'rnew')).toEqual({ errors: {} });
    const receipts = {
      artifacts: { store: 'car', cid: 'bafy1', at: '2026-01-01T00:02:00.000Z' },
      metrics: { sink: 'influxdb', points: 5, cid: 'bafy1', at: '2026-01-01T00:02:01.000Z' },
      errors: {},
    };
    await writeReceipts(root, 'rnew', receipts);
    expect(await readReceipts(root, 'rnew')).toEqual(receipts);
    expect(fullyPublished(receipts, { artifacts: true, metrics: true })).toBe(true);
    expect(fullyPublished(receipts, { artifacts: true, metrics: true, results: true })).toBe(false);
    const stale = { ...receipts, metrics: { ...receipts.metrics, cid: 'bafy0' } };
    expect(fullyPublished(stale, { artifacts: true, metrics: true })).toBe(false);
  });

  it('names the receipts file the schema rejects', async () => {
    await writeFile(receiptsFile(root, 'rodd'), JSON.stringify({ artifacts: { cid: 'bafy1' } }));
    const error = await failure(readReceipts(root, 'rodd'));
    expect(error.reason).toBe('invalid');
    expect(error.message).toMatch(
      new RegExp(`^${literal(receiptsFile(root, 'rodd'))}: not a publish receipt at artifacts\\.store: `),
    );
  });
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
