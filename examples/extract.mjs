// "extract": write the files of each file set out of one blob into a fresh folder and read them back,
// the way `ipfs get` materialises a directory. One result per file set.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureFileSet, selectedFileSets } from './lib/file-sets.mjs';
import { result, write } from './lib/output.mjs';

const results = [];
for (const fileSet of selectedFileSets()) {
  const files = ensureFileSet(fileSet);
  const blob = Buffer.concat(files.map((f) => readFileSync(f)));
  const sizes = files.map((f) => readFileSync(f).length);
  const target = mkdtempSync(path.join(os.tmpdir(), 'benchrunner-extract-'));
  const start = process.hrtime();
  let offset = 0;
  sizes.forEach((size, i) => {
    const out = path.join(target, `file-${i}.bin`);
    writeFileSync(out, blob.subarray(offset, offset + size));
    if (readFileSync(out).length !== size) throw new Error(`short read of ${out}`);
    offset += size;
  });
  const hrtime = process.hrtime(start);
  rmSync(target, { recursive: true, force: true });
  results.push(
    result({ name: 'extract', description: 'write and read back', fileSet, file: files[0], hrtime }),
  );
}
process.stdout.write(`wrote ${write('extract', results)}\n`);
