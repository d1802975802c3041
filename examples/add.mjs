// "add": split each file into 256 KiB chunks, hash every chunk and then the list of chunk hashes,
// the way `ipfs add` builds a DAG. One result per file set.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ensureFileSet, selectedFileSets } from './lib/file-sets.mjs';
import { result, write } from './lib/output.mjs';

const CHUNK = 256 * 1024;

function add(file) {
  const data = readFileSync(file);
  const links = [];
  for (let offset = 0; offset < data.length; offset += CHUNK) {
    links.push(
      createHash('sha256')
        .update(data.subarray(offset, offset + CHUNK))
        .digest(),
    );
  }
  return createHash('sha256').update(Buffer.concat(links)).digest('hex');
}

const results = [];
for (const fileSet of selectedFileSets()) {
  const files = ensureFileSet(fileSet);
  const start = process.hrtime();
  // Enough rounds that the timing is not all noise, few enough to finish in a second.
  for (let round = 0; round < 5; round++) for (const file of files) add(file);
  const hrtime = process.hrtime(start);
  results.push(
    result({
      name: 'add',
      description: 'chunk and hash (5 rounds)',
      fileSet,
      file: files[0],
      hrtime,
      warmup: process.env.BENCHRUNNER_WARMUP === '1',
    }),
  );
}
process.stdout.write(`wrote ${write('add', results)}\n`);
