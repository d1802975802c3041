// Runs one parse in its own process so that its peak RSS is its own; prints one JSON line.
import { readFileSync } from 'node:fs';
import { parseResultFile } from '../src/index.ts';

const [mode = '', file = ''] = process.argv.slice(2);
const start = performance.now();
const cpu0 = process.cpuUsage();
let count = 0;
if (mode === 'ours') {
  const doc = await parseResultFile(file);
  count = doc.benchmarks.length;
} else if (mode === 'json-parse') {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { benchmarks: unknown[] };
  count = parsed.benchmarks.length;
} else throw new Error(`unknown mode ${mode}`);
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(JSON.stringify({ ms, cpuMs, maxRssKiB: process.resourceUsage().maxRSS, count }));
