// Writes results in the seed format of ipfs/benchmarks to $OUT_FOLDER/<name>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A result entry: the shape ipfs/benchmarks' tests/schema/results.js produced. */
export function result({ name, description, fileSet, file, hrtime, warmup }) {
  const cpus = os.cpus();
  const busy = cpus.reduce((n, c) => n + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
  const all = cpus.reduce((n, c) => n + Object.values(c.times).reduce((a, b) => a + b, 0), 0);
  return {
    name,
    warmup: warmup ? 'on' : 'off',
    description,
    file_set: fileSet,
    date: new Date().toISOString(),
    file,
    meta: {
      project: 'example',
      commit: process.env.BENCHRUNNER_COMMIT ?? 'unknown',
      version: process.version,
      branch: process.env.BENCHRUNNER_TAG ?? 'unknown',
      guid: process.env.BENCHRUNNER_RUN_ID ?? 'local',
    },
    duration: { s: hrtime[0], ms: hrtime[1] / 1e6 },
    cpu: Math.round((busy / all) * 10000) / 100,
    loadAvg: os.loadavg(),
    memory: os.totalmem() - os.freemem(),
  };
}

export function write(name, results) {
  const folder = process.env.OUT_FOLDER;
  if (!folder) throw new Error('OUT_FOLDER is not set: run this through benchrunner, or set it yourself');
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
