import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '@benchrunner/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../src/artifact-store.ts';
import { carRootCid } from '../src/car-artifact-store.ts';
import { isRetryable, SinkUnavailableError } from '../src/errors.ts';
import { sampleManifest, writeRunFolder } from './sample-run.ts';

/** How the contract gets the stores of one implementation. */
export interface ArtifactStoreTarget {
  /** A store whose backend is ready. */
  store: ArtifactStore;
  /** A store of the same kind whose backend cannot take anything (gone, or nowhere to write). */
  unavailable: ArtifactStore;
  /** Stops whatever the target started. */
  dispose(): Promise<void>;
}

/**
 * The promises of {@link ArtifactStore} that every implementation keeps: the same folder gives the
 * same CID in every store, a folder that cannot be read is the caller's error, and a backend that
 * is not there is a retryable error, reported promptly.
 */
export function artifactStoreContract(name: string, setup: () => Promise<ArtifactStoreTarget>): void {
  describe(`${name} (ArtifactStore contract)`, () => {
    let target: ArtifactStoreTarget;
    let work: string;
    let runDir: string;

    beforeAll(async () => {
      work = await mkdtemp(path.join(os.tmpdir(), 'artifact-contract-'));
      runDir = path.join(work, 'runs', 'run-1');
      // Its binary file spans several 256 KiB chunks; it has nested and empty folders.
      await writeRunFolder(runDir, sampleManifest());
      target = await setup();
    });
    afterAll(async () => {
      await target?.dispose();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('has a name and passes its readiness check', async () => {
      expect(target.store.name).toMatch(/\S/);
      await expect(target.store.check()).resolves.toBeUndefined();
    });

    it('publishes the folder as the CIDv1 directory every store agrees on, the same CID every time', async () => {
      const expected = await carRootCid(runDir);
      expect(expected).toMatch(/^bafy[a-z2-7]+$/);
      const first = await target.store.publish(runDir);
      expect(first.cid).toBe(expected);
      expect((await target.store.publish(runDir)).cid).toBe(expected);
    });

    it('refuses a missing folder or a file as the caller’s error, not a retryable one', async () => {
      const file = path.join(work, 'not-a-folder');
      await writeFile(file, 'x');
      for (const dir of [path.join(work, 'missing'), file]) {
        const error = await target.store.publish(dir).catch((e: unknown) => e);
        expect(error, dir).toBeInstanceOf(InputError);
        expect(isRetryable(error), dir).toBe(false);
      }
    });

    it('reports a backend that cannot take the folder as retryable, promptly', async () => {
      const started = Date.now();
      const error = await target.unavailable.publish(runDir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SinkUnavailableError);
      expect(isRetryable(error)).toBe(true);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('stops when its signal is already aborted', async () => {
      await expect(target.store.publish(runDir, { signal: AbortSignal.abort() })).rejects.toThrow();
    });
  });
}
