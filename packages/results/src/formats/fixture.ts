import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under packages/results/fixtures (used by tests and benches). */
export function fixturePath(...parts: string[]): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures', ...parts);
}

/** The text of a fixture file. */
export function readFixture(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), 'utf8');
}
