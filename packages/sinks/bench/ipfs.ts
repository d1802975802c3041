// A 200 MB run folder added through IpfsArtifactStore against the daemon's own CLI
// (`jsipfs add -r --cid-version=1 --raw-leaves`) on a folder of the same shape, and the CAR
// writer's throughput on the same folder.
import { randomFillSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { markdownTable, recordBenchmark, startIpfs } from '@benchrunner/testing';
import { carRootCid, writeCar } from '../src/car-artifact-store.ts';
import { IpfsArtifactStore } from '../src/ipfs-artifact-store.ts';

const MB = 1024 * 1024;
const ROUNDS = 3;

/** 1 x 50 MB (a multi-level DAG), 30 x 5 MB in 3 folders, 200 small files: ~202 MB of random bytes. */
async function makeFolder(dir: string): Promise<number> {
  let total = 0;
  const file = async (rel: string, size: number) => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), randomFillSync(Buffer.allocUnsafe(size)));
    total += size;
  };
  await file('profiles/big/heap.tar.gz', 50 * MB);
  for (let i = 0; i < 30; i++) await file(`profiles/p${i % 3}/flame-${i}.tar.gz`, 5 * MB);
  for (let i = 0; i < 200; i++)
    await file(`results/r${i % 10}/result-${i}.json`, 1024 + ((i * 7919) % 20_000));
  return total;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const ipfs = await startIpfs();
const work = await mkdtemp(path.join(os.tmpdir(), 'bench-ipfs-'));
try {
  const store = new IpfsArtifactStore({ url: ipfs.apiUrl });
  const ours: number[] = [];
  const cli: number[] = [];
  const car: number[] = [];
  let bytes = 0;
  let sameCid = true;
  for (let round = 0; round < ROUNDS; round++) {
    // Fresh random content for each side, so neither finds the other's blocks already stored.
    const a = path.join(work, `a${round}`);
    const b = path.join(work, `b${round}`);
    bytes = await makeFolder(a);
    await makeFolder(b);
    const measureOurs = async (dir: string) => {
      const t = performance.now();
      const { cid } = await store.publish(dir);
      ours.push(performance.now() - t);
      return cid;
    };
    const measureCli = async (dir: string) => {
      const t = performance.now();
      const out = await ipfs.exec(
        ['add', '-r', '--cid-version=1', '--raw-leaves', '--cid-base=base32', '--quieter', dir],
        600_000,
      );
      cli.push(performance.now() - t);
      return out.trim().split('\n').at(-1) ?? '';
    };
    const [oursDir, cliDir] = round % 2 === 0 ? [a, b] : [b, a];
    const ourCid = round % 2 === 0 ? await measureOurs(oursDir) : undefined;
    const cliCid = await measureCli(cliDir);
    const ourCid2 = round % 2 === 1 ? await measureOurs(oursDir) : ourCid;
    // The CLI adds the folder itself; we add its contents wrapped in a directory: same root.
    if ((await carRootCid(cliDir)) !== cliCid || (await carRootCid(oursDir)) !== ourCid2) sameCid = false;

    const t = performance.now();
    await writeCar(a, path.join(work, `a${round}.car`));
    car.push(performance.now() - t);
    await rm(a, { recursive: true, force: true });
    await rm(b, { recursive: true, force: true });
    await rm(path.join(work, `a${round}.car`), { force: true });
  }
  const carSize = bytes;
  const ratio = median(ours) / median(cli);
  const mbps = (ms: number) => (bytes / MB / (ms / 1000)).toFixed(0);
  const body = [
    `A ${(bytes / MB).toFixed(0)} MiB run folder of random bytes (one 50 MiB file, thirty 5 MiB files, 200 small files) added to a js-ipfs 0.66.1 daemon (offline, loopback); ${ROUNDS} rounds, fresh content for each side, alternating which goes first. The CLI time includes its own Node start-up (it talks to the running daemon over HTTP). Root CIDs equal \`carRootCid\` of the same folder in every round: **${sameCid ? 'yes' : 'NO'}**.`,
    '',
    markdownTable(
      ['', 'median s', 'min s', 'max s', 'MiB/s (median)'],
      [
        [
          'IpfsArtifactStore.publish (kubo-rpc-client)',
          (median(ours) / 1000).toFixed(2),
          (Math.min(...ours) / 1000).toFixed(2),
          (Math.max(...ours) / 1000).toFixed(2),
          mbps(median(ours)),
        ],
        [
          'jsipfs add -r --cid-version=1 --raw-leaves',
          (median(cli) / 1000).toFixed(2),
          (Math.min(...cli) / 1000).toFixed(2),
          (Math.max(...cli) / 1000).toFixed(2),
          mbps(median(cli)),
        ],
        [
          'writeCar (CAR file, no daemon)',
          (median(car) / 1000).toFixed(2),
          (Math.min(...car) / 1000).toFixed(2),
          (Math.max(...car) / 1000).toFixed(2),
          mbps(median(car)),
        ],
      ],
    ),
    '',
    `Ratio IpfsArtifactStore/CLI: **${ratio.toFixed(2)}** (target <= 1.2). CAR writer: **${mbps(median(car))} MiB/s** (target >= 100 MB/s) for ${(carSize / MB).toFixed(0)} MiB. Load average during the run: ${os.loadavg()[0]?.toFixed(1)}.`,
  ].join('\n');
  await recordBenchmark('sinks-ipfs', 'Sinks: 200 MB run folder to IPFS and to a CAR file', body);
  console.log(body);
} finally {
  await ipfs.stop();
  await rm(work, { recursive: true, force: true });
}
