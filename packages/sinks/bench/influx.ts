// 100,000 points through InfluxMetricsSink (/write, batches of 5,000) against the same line
// protocol sent by curl, one `curl --data-binary @file` per 5,000 lines, to the same influxd.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { markdownTable, recordBenchmark, startInfluxd } from '@benchrunner/testing';
import { InfluxMetricsSink, toLine } from '../src/influx-metrics-sink.ts';
import type { MetricPoint } from '../src/metrics-sink.ts';

const POINTS = 100_000;
const BATCH = 5_000;
const ROUNDS = 5;
const run = promisify(execFile);

function makePoints(): MetricPoint[] {
  const start = BigInt(Date.parse('2026-01-01T00:00:00Z')) * 1_000_000n;
  return Array.from({ length: POINTS }, (_, i) => ({
    measurement: 'benchmark',
    tags: {
      project: 'js-ipfs',
      minion: `minion-${i % 4}`,
      branch: 'main',
      trigger: 'schedule',
      priority: 'nightly',
      benchmark: `bench-${i % 50}`,
      case: `case ${i % 7}`,
      file_set: `set-${i % 10}`,
    },
    fields: {
      commit: '0123456789abcdef0123456789abcdef01234567',
      run: `run-${Math.floor(i / 1000)}`,
      cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
      latency: 1_000_000 + i * 3.5,
      latency_lower: 990_000 + i,
      latency_upper: 1_010_000 + i,
      latency_samples: 10n,
      latency_unit: 'ns',
    },
    timestamp: start + BigInt(i) * 1_000_000_000n,
  }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const influxd = await startInfluxd();
const work = await mkdtemp(path.join(os.tmpdir(), 'bench-influx-'));
try {
  const points = makePoints();
  const lines = points.map(toLine);
  const files: string[] = [];
  for (let i = 0; i < lines.length; i += BATCH) {
    const file = path.join(work, `batch-${i / BATCH}.lp`);
    await writeFile(file, lines.slice(i, i + BATCH).join('\n'));
    files.push(file);
  }
  const ours: number[] = [];
  const curl: number[] = [];
  const build: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh database per measurement, so neither side overwrites points the other wrote.
    await influxd.query(`CREATE DATABASE "ours${round}"`);
    await influxd.query(`CREATE DATABASE "curl${round}"`);
    const sink = new InfluxMetricsSink({ api: 'v1', url: influxd.url, database: `ours${round}` });
    const curlOnce = async () => {
      const t = performance.now();
      for (const file of files) {
        await run('curl', [
          '-sf',
          '-XPOST',
          '--data-binary',
          `@${file}`,
          `${influxd.url}/write?db=curl${round}&precision=n`,
        ]);
      }
      curl.push(performance.now() - t);
    };
    const oursOnce = async () => {
      const t = performance.now();
      // Includes building the lines with the client's Point, as a publish does.
      await sink.write(points);
      ours.push(performance.now() - t);
    };
    if (round % 2 === 0) {
      await oursOnce();
      await curlOnce();
    } else {
      await curlOnce();
      await oursOnce();
    }
    const b = performance.now();
    points.map(toLine);
    build.push(performance.now() - b);
    const [count] = await influxd.query('SELECT count("latency") FROM "benchmark"', `ours${round}`);
    const n = count?.series?.[0]?.values[0]?.[1];
    if (n !== POINTS) throw new Error(`expected ${POINTS} points in ours${round}, found ${String(n)}`);
  }
  const ratio = median(ours) / median(curl);
  const body = [
    `${POINTS.toLocaleString('en')} points (8 tags, 8 fields each) to Debian's influxd 1.6.7 on loopback, batches of ${BATCH.toLocaleString('en')} lines, ${ROUNDS} rounds alternating which side goes first, a fresh database per measurement. Ours includes building the lines with @influxdata/influxdb-client's \`Point\`; curl sends pre-built files.`,
    '',
    markdownTable(
      ['', 'median ms', 'min ms', 'max ms', 'points/s (median)'],
      [
        [
          'InfluxMetricsSink.write',
          median(ours).toFixed(0),
          Math.min(...ours).toFixed(0),
          Math.max(...ours).toFixed(0),
          Math.round(POINTS / (median(ours) / 1000)),
        ],
        [
          '(of which: building the lines with Point)',
          median(build).toFixed(0),
          Math.min(...build).toFixed(0),
          Math.max(...build).toFixed(0),
          Math.round(POINTS / (median(build) / 1000)),
        ],
        [
          'curl --data-binary per batch',
          median(curl).toFixed(0),
          Math.min(...curl).toFixed(0),
          Math.max(...curl).toFixed(0),
          Math.round(POINTS / (median(curl) / 1000)),
        ],
      ],
    ),
    '',
    `Ratio ours/curl: **${ratio.toFixed(2)}** (target <= 1.5). Load average during the run: ${os.loadavg()[0]?.toFixed(1)}.`,
  ].join('\n');
  await recordBenchmark('sinks-influx', 'Sinks: InfluxDB write of 100,000 points', body);
  console.log(body);
} finally {
  await influxd.stop();
  await rm(work, { recursive: true, force: true });
}
