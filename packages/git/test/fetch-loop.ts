// A second process for the concurrency test: fetches the same mirror ROUNDS times, as a worker
// would while the API fetches it too. Prints "ok <rounds>" when every fetch succeeded.
import { GitMirror } from '../src/index.ts';

const [location, dir, rounds] = process.argv.slice(2);
const mirror = new GitMirror({ location: location!, dir: dir!, freshMs: 0 });
for (let i = 0; i < Number(rounds); i++) await mirror.fetch();
process.stdout.write(`ok ${rounds}\n`);
