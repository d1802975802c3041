import { readFile } from 'node:fs/promises';
import { RunManifest, zodProblems } from '@benchrunner/core';
import type { z } from 'zod';
import { ArchiveReadError } from './errors.ts';
import { manifestFile } from './paths.ts';

/**
 * Reads a JSON file of the archive and validates it with `schema`. Every failure is an
 * ArchiveReadError naming the file: missing, unreadable, not JSON, or not a `what` (with the first
 * problem's path and the count of the others).
 */
export async function readArchiveJson<S extends z.ZodType>(
  file: string,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ArchiveReadError(
      file,
      missing ? 'missing' : 'unreadable',
      missing ? `no ${what} at ${file}` : `cannot read ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ArchiveReadError(file, 'not-json', `${file}: not JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error);
    const first = problems[0];
    const where = first === undefined ? '' : ` at ${first.path || '(root)'}: ${first.message}`;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new ArchiveReadError(file, 'invalid', `${file}: not a ${what}${where}${more}`, {
      cause: parsed.error,
      problems,
    });
  }
  return parsed.data;
}

/** Reads and validates a manifest file (`<id>/manifest.json`, or one a user points at). */
export function readManifestFile(file: string): Promise<RunManifest> {
  return readArchiveJson(file, RunManifest, 'run manifest');
}

/** Reads and validates the manifest of run `runId` in the archive. */
export function readManifest(archiveRoot: string, runId: string): Promise<RunManifest> {
  return readManifestFile(manifestFile(archiveRoot, runId));
}
