import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, NotFoundError, RUN_ID_PATTERN, RunManifest, zodProblems } from '@benchrunner/core';
import type { ComparableDocument } from '@benchrunner/results';
import { parseResultFile } from '@benchrunner/results';

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
    return loadManifest(argument, path.join(candidate, 'manifest.json'));
  }
  if (found !== undefined) {
    const document = await parseResultFile(
      candidate,
      options.format === undefined ? {} : { format: options.format },
    );
    return { kind: 'file', name: argument, path: candidate, documents: [document] };
  }
  if (RUN_ID_PATTERN.test(argument)) {
    return loadManifest(argument, path.join(options.dataDir, 'runs', argument, 'manifest.json'));
  }
  throw new NotFoundError(`${argument}: no such file or directory, and not a run id (${candidate})`);
}

async function loadManifest(name: string, file: string): Promise<ResultSource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`run ${name}: no manifest at ${file}`, { cause: error });
    throw new InputError(`run ${name}: cannot read ${file}: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`run ${name}: ${file}: not JSON: ${(error as Error).message}`, [], { cause: error });
  }
  // Only the results matter here; the rest of the manifest may grow without breaking compare.
  const parsed = RunManifest.pick({ results: true, environment: true })
    .partial({ environment: true })
    .safeParse(json);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error);
    const first = problems[0];
    const where = first === undefined ? '' : ` at ${first.path || '(root)'}: ${first.message}`;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new InputError(`run ${name}: ${file}: not a run manifest${where}${more}`, problems);
  }
  const { results, environment } = parsed.data;
  return {
    kind: 'run',
    name,
    path: file,
    documents: results,
    ...(environment === undefined ? {} : { environment }),
  };
}
