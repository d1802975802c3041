import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ArchiveReadError,
  archiveRootOf,
  MANIFEST_FILE,
  manifestFile,
  readArchiveJson,
} from '@benchrunner/archive';
import { InputError, NotFoundError, RUN_ID_PATTERN, RunManifest } from '@benchrunner/core';
import type { ComparableDocument } from '@benchrunner/results';
import { parseResultFile } from '@benchrunner/results';
import type { z } from 'zod';

/** One side of a comparison: where it came from and its result documents. */
export interface ResultSource {
  kind: 'file' | 'run';
  /** The file's path or the run's id, as the user gave it. */
  name: string;
  /** The absolute file read (the manifest for a run). */
  path: string;
  documents: ComparableDocument[];
  /** What the run recorded about its minion; files have none. */
  environment?: Record<string, string>;
}

/**
 * Loads a result file (any format, detected unless `format` is given), a run directory, or a run
 * id, which resolves to `DATA_DIR/runs/<id>/manifest.json`. An existing path wins over a run id.
 */
export async function loadResultSource(
  argument: string,
  options: { cwd: string; dataDir: string; format?: string | undefined },
): Promise<ResultSource> {
  const candidate = path.resolve(options.cwd, argument);
  const found = await stat(candidate).catch(() => undefined);
  if (found?.isDirectory()) {
    return loadManifest(argument, path.join(candidate, MANIFEST_FILE));
  }
  if (found !== undefined) {
    const document = await parseResultFile(
      candidate,
      options.format === undefined ? {} : { format: options.format },
    );
    return { kind: 'file', name: argument, path: candidate, documents: [document] };
  }
  if (RUN_ID_PATTERN.test(argument)) {
    return loadManifest(argument, manifestFile(archiveRootOf(options.dataDir), argument));
  }
  throw new NotFoundError(`${argument}: no such file or directory, and not a run id (${candidate})`);
}

/** Only the results matter here; the rest of the manifest may grow without breaking compare. */
const ComparedManifest = RunManifest.pick({ results: true, environment: true }).partial({
  environment: true,
});

async function loadManifest(name: string, file: string): Promise<ResultSource> {
  let manifest: z.output<typeof ComparedManifest>;
  try {
    manifest = await readArchiveJson(file, ComparedManifest, 'run manifest');
  } catch (error) {
    if (!(error instanceof ArchiveReadError)) throw error;
    if (error.reason === 'missing')
      throw new NotFoundError(`run ${name}: no manifest at ${file}`, { cause: error });
    throw new InputError(`run ${name}: ${error.message}`, error.problems, { cause: error });
  }
  const { results, environment } = manifest;
  return {
    kind: 'run',
    name,
    path: file,
    documents: results,
    ...(environment === undefined ? {} : { environment }),
  };
}
