import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CarArtifactStore, carRootCid } from './car-artifact-store.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function folder(): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'car-store-'));
  const run = path.join(dir, 'run');
  await mkdir(run);
  await writeFile(path.join(run, 'manifest.json'), '{"id":"r1"}\n');
  await writeFile(path.join(run, 'big.bin'), randomBytes(3 * 1024 * 1024));
  return run;
}

describe('CarArtifactStore', () => {
  it('writes <id>.car beside the folder with the root CID IPFS would give it', async () => {
    const run = await folder();
    const receipt = await new CarArtifactStore().publish(run);
    expect(receipt.file).toBe(path.join(path.dirname(run), 'run.car'));
    expect(receipt.cid).toBe(await carRootCid(run));
    expect((await readFile(receipt.file!)).length).toBeGreaterThan(3 * 1024 * 1024);
  });
});
