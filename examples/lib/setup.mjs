// The suite's setup step: check out the commit under test, then make sure every file set exists
// before the timed runs.
import { checkoutTarget } from './checkout.mjs';
import { ensureFileSet, FILE_SETS, fileSetDir } from './file-sets.mjs';

const checkout = checkoutTarget();
process.stdout.write(
  checkout
    ? `checked out ${process.env.BENCHRUNNER_COMMIT} of ${process.env.BENCHRUNNER_REPOSITORY} in ${checkout}\n`
    : `no target repository: nothing to check out for commit ${process.env.BENCHRUNNER_COMMIT ?? '(none)'}\n`,
);
for (const name of Object.keys(FILE_SETS)) ensureFileSet(name);
process.stdout.write(`file sets ready in ${fileSetDir()}\n`);
