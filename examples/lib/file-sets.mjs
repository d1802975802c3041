// File sets of the example suite, generated deterministically so every minion hashes the same bytes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FILE_SETS = {
  One64KBFile: { files: 1, size: 64 * 1024 },
  One4MBFile: { files: 1, size: 4 * 1024 * 1024 },
  Ten1MBFiles: { files: 10, size: 1024 * 1024 },
};

/** The file sets selected by FILESET (a profiled run), or all of them. */
export function selectedFileSets() {
  const only = process.env.FILESET;
  if (!only) return Object.keys(FILE_SETS);
  if (!(only in FILE_SETS))
    throw new Error(`unknown FILESET ${only}; known: ${Object.keys(FILE_SETS).join(', ')}`);
  return [only];
}

/** Pseudo-random but repeatable bytes (sha256 in counter mode). */
function bytes(seed, size) {
  const out = Buffer.alloc(size);
  for (let offset = 0, counter = 0; offset < size; counter++) {
    const block = createHash('sha256').update(`${seed}:${counter}`).digest();
    offset += block.copy(out, offset);
  }
  return out;
}

export function fileSetDir() {
  return process.env.EXAMPLE_DATA_DIR ?? path.join(os.tmpdir(), 'benchrunner-example-data');
}

/** Creates the file set's files if missing; returns their paths. */
export function ensureFileSet(name) {
  const spec = FILE_SETS[name];
  const dir = path.join(fileSetDir(), name);
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (let i = 0; i < spec.files; i++) {
    const file = path.join(dir, `file-${i}.bin`);
    if (!existsSync(file)) writeFileSync(file, bytes(`${name}-${i}`, spec.size));
    files.push(file);
  }
  return files;
}
