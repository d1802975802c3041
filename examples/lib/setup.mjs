// The suite's setup step: make sure every file set exists before the timed runs.
import { ensureFileSet, FILE_SETS, fileSetDir } from './file-sets.mjs';

for (const name of Object.keys(FILE_SETS)) ensureFileSet(name);
process.stdout.write(
  `file sets ready in ${fileSetDir()} for commit ${process.env.BENCHRUNNER_COMMIT ?? '(none)'}\n`,
);
