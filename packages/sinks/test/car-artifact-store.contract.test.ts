import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CarArtifactStore } from '../src/car-artifact-store.ts';
import { artifactStoreContract } from './artifact-store-contract.ts';

artifactStoreContract('CarArtifactStore', async () => {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'car-contract-'));
  return {
    store: new CarArtifactStore({ outDir }),
    unavailable: new CarArtifactStore({ outDir: path.join(outDir, 'missing', 'folder') }),
    dispose: () => rm(outDir, { recursive: true, force: true }),
  };
});
