import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigError, InputError } from '@benchrunner/core';
import { CarWriter } from '@ipld/car/writer';
import { importer } from 'ipfs-unixfs-importer';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import type { ArtifactReceipt, ArtifactStore } from './artifact-store.ts';
import { gatewayLink } from './artifact-store.ts';
import { SinkUnavailableError } from './errors.ts';
import type { FolderEntry } from './folder-entries.ts';
import { listFolder } from './folder-entries.ts';
import { unixfsImporterOptions } from './unixfs-options.ts';

const DAG_PB = 0x70;
const READ_CHUNK = 1024 * 1024;

interface BlockPut {
  put(cid: CID, bytes: Uint8Array): Promise<CID>;
}

/** Import candidates whose file content is opened only when the importer reads it. */
function* candidates(entries: readonly FolderEntry[], signal: AbortSignal | undefined) {
  for (const entry of entries) {
    signal?.throwIfAborted();
    if (entry.kind === 'directory') {
      yield { path: entry.path };
      continue;
    }
    const content: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () =>
        createReadStream(entry.absolute, { highWaterMark: READ_CHUNK })[Symbol.asyncIterator](),
    };
    yield { path: entry.path, content };
  }
}

async function importFolder(
  entries: readonly FolderEntry[],
  store: BlockPut,
  signal: AbortSignal | undefined,
  dir: string,
): Promise<CID> {
  let root: CID | undefined;
  for await (const entry of importer(candidates(entries, signal), store, unixfsImporterOptions())) {
    if (entry.path === '') root = entry.cid;
  }
  if (!root) throw new InputError(`cannot publish ${dir}: the folder is empty`);
  return root;
}

/**
 * The root CID IPFS would give `dir` (CIDv1, raw leaves, 256 KiB chunks, wrapped as one
 * directory), computed offline without writing any block.
 */
export async function carRootCid(
  dir: string,
  options: { exclude?: readonly string[]; signal?: AbortSignal } = {},
): Promise<string> {
  const entries = await listFolder(dir, { exclude: options.exclude });
  const discard: BlockPut = { put: async (cid) => cid };
  return (await importFolder(entries, discard, options.signal, dir)).toString();
}

/**
 * Writes `dir` as a CARv1 file at `file` and returns its root CID, equal to what `ipfs add -r
 * --cid-version=1 --raw-leaves` gives for the folder; `ipfs dag import file` loads it later.
 * Blocks are streamed to disk as they are made (leaves first, each block once), so memory stays
 * flat for any folder size; the root is patched into the header at the end. The file appears
 * atomically (written under a temporary name, then renamed).
 */
export async function writeCar(
  dir: string,
  file: string,
  options: { signal?: AbortSignal } = {},
): Promise<string> {
  const entries = await listFolder(dir, { exclude: [file] });
  // Same length as the real root (CIDv1, dag-pb, sha-256), so the header can be patched in place.
  const placeholder = CID.createV1(DAG_PB, await sha256.digest(new Uint8Array(0)));
  const { writer, out } = CarWriter.create([placeholder]);
  const temporary = `${file}.${process.pid}.${Date.now()}.partial`;
  const written = pipeline(Readable.from(out), createWriteStream(temporary));
  // If the file cannot be written (missing folder, full disk), the writer stops draining and a
  // put would wait forever: every put races this promise, which only ever rejects.
  const writeFailed = written.then(
    () => new Promise<never>(() => undefined),
    (error: unknown) => {
      throw new SinkUnavailableError(
        `cannot write the CAR file ${temporary}: ${(error as Error).message}`,
        { sink: 'car' },
        { cause: error },
      );
    },
  );
  writeFailed.catch(() => undefined);
  const seen = new Set<string>();
  const sink: BlockPut = {
    put: async (cid, bytes) => {
      options.signal?.throwIfAborted();
      const key = cid.toString();
      if (!seen.has(key)) {
        seen.add(key);
        await Promise.race([writer.put({ cid, bytes }), writeFailed]);
      }
      return cid;
    },
  };
  try {
    let root: CID;
    try {
      root = await importFolder(entries, sink, options.signal, dir);
    } finally {
      await Promise.race([writer.close(), writeFailed]);
      await Promise.race([written, writeFailed]);
    }
    const handle = await open(temporary, 'r+');
    try {
      await CarWriter.updateRootsInFile(handle, [root]);
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    return root.toString();
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export interface CarArtifactStoreOptions {
  /** Folder for the CAR files; default: the parent of each published folder (`runs/<id>.car` beside `runs/<id>/`). */
  outDir?: string;
  /** Gateway base URL for links, e.g. `https://ipfs.io`, once the CAR has been imported somewhere. */
  gatewayUrl?: string;
}

/**
 * The embedded default: no daemon, the run's folder becomes `<outDir>/<folder name>.car` with the
 * root CID IPFS would give it.
 */
export class CarArtifactStore implements ArtifactStore {
  readonly name = 'car';
  readonly #options: CarArtifactStoreOptions;

  constructor(options: CarArtifactStoreOptions = {}) {
    this.#options = options;
  }

  async check(): Promise<void> {
    const dir = this.#options.outDir;
    if (!dir) return;
    try {
      await access(dir, constants.W_OK);
    } catch (error) {
      throw new ConfigError(`CAR output folder ${dir} is not writable: ${(error as Error).message}`, [], {
        cause: error,
      });
    }
  }

  async publish(dir: string, options: { signal?: AbortSignal } = {}): Promise<ArtifactReceipt> {
    const folder = path.resolve(dir);
    const file = path.join(this.#options.outDir ?? path.dirname(folder), `${path.basename(folder)}.car`);
    const cid = await writeCar(folder, file, options);
    return { cid, file, url: gatewayLink(this.#options.gatewayUrl, cid) };
  }
}
