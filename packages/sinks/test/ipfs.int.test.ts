import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, InputError } from '@benchrunner/core';
import { freePort, type Ipfs, startIpfs } from '@benchrunner/testing';
import { CarReader } from '@ipld/car/reader';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CarArtifactStore, carRootCid } from '../src/car-artifact-store.ts';
import { SinkUnavailableError } from '../src/errors.ts';
import { IpfsArtifactStore } from '../src/ipfs-artifact-store.ts';
import { sampleManifest, writeRunFolder } from './sample-run.ts';

let ipfs: Ipfs;
let work: string;
let runDir: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'sinks-ipfs-'));
  runDir = path.join(work, 'runs', 'run-1');
  await writeRunFolder(runDir, sampleManifest());
  ipfs = await startIpfs();
});
afterAll(async () => {
  await ipfs?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function blocksOf(car: Uint8Array): Promise<{ roots: string[]; cids: Set<string> }> {
  const reader = await CarReader.fromBytes(car);
  const cids = new Set<string>();
  for await (const block of reader.blocks()) {
    // Every block's bytes hash to its own CID.
    const digest = await sha256.digest(block.bytes);
    expect(Buffer.from(digest.digest).equals(Buffer.from(block.cid.multihash.digest))).toBe(true);
    cids.add(block.cid.toString());
  }
  return { roots: (await reader.getRoots()).map(String), cids };
}

describe('IpfsArtifactStore against js-ipfs', () => {
  it('adds the run folder as one pinned directory whose files cat back byte for byte', async () => {
    const store = new IpfsArtifactStore({ url: ipfs.apiUrl, gatewayUrl: 'https://gw.example/' });
    await store.check();
    const receipt = await store.publish(runDir);
    expect(receipt.cid).toMatch(/^bafy/);
    expect(receipt.url).toBe(`https://gw.example/ipfs/${receipt.cid}/`);
    for (const file of ['manifest.json', 'results/add.json', 'profiles/add/flame.tar.gz']) {
      expect((await ipfs.cat(`${receipt.cid}/${file}`)).equals(await readFile(path.join(runDir, file)))).toBe(
        true,
      );
    }
    const pins = await fetch(
      `${ipfs.apiUrl}/api/v0/pin/ls?arg=${receipt.cid}&type=recursive&cid-base=base32`,
      { method: 'POST' },
    );
    expect(pins.status).toBe(200);
    expect(await pins.text()).toContain(receipt.cid);
  });

  it('gives the CID of the embedded CAR, whose blocks are those of `dag export`', async () => {
    const { cid } = await new IpfsArtifactStore({ url: ipfs.apiUrl }).publish(runDir);
    expect(await carRootCid(runDir)).toBe(cid);
    const receipt = await new CarArtifactStore().publish(runDir);
    expect(receipt).toEqual({ cid, file: path.join(work, 'runs', 'run-1.car'), url: undefined });
    const ours = await blocksOf(await readFile(receipt.file as string));
    const exported = await fetch(`${ipfs.apiUrl}/api/v0/dag/export?arg=${cid}`, { method: 'POST' });
    const theirs = await blocksOf(new Uint8Array(await exported.arrayBuffer()));
    expect(ours.roots).toEqual([cid]);
    expect(theirs.roots).toEqual([cid]);
    expect(ours.cids).toEqual(theirs.cids);
  });

  it('reports a daemon that is not there as retryable at check time, naming the store', async () => {
    const store = new IpfsArtifactStore({ url: `http://127.0.0.1:${await freePort()}` });
    const checked = await store.check().catch((e: unknown) => e);
    expect(checked).toBeInstanceOf(SinkUnavailableError);
    expect((checked as Error).message).toMatch(
      /IPFS API at http:\/\/127\.0\.0\.1:\d+ failed while checking: ECONNREFUSED/,
    );
  });

  it('reports a wrong API path with the server answer as a configuration error', async () => {
    const store = new IpfsArtifactStore({ url: `${ipfs.apiUrl}/not-the-api` });
    const checked = await store.check().catch((e: unknown) => e);
    expect(checked).toBeInstanceOf(ConfigError);
    expect((checked as Error).message).toMatch(/answered 404/);
  });

  it('refuses credentials in the URL and sends them as a header instead', async () => {
    expect(() => new IpfsArtifactStore({ url: 'http://user:secret@127.0.0.1:5001' })).toThrow(ConfigError);
    // A forwarding proxy in front of the real daemon, as an authenticating gateway would be.
    const seen: (string | undefined)[] = [];
    const target = new URL(ipfs.apiUrl);
    const proxy = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      const upstream = http.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const bearer = new IpfsArtifactStore({ url, auth: { bearer: 'tok3n' } });
      await bearer.check();
      const { cid } = await bearer.publish(runDir);
      expect(cid).toBe(await carRootCid(runDir));
      await new IpfsArtifactStore({ url, auth: { username: 'bench', password: 'pa:ss' } }).check();
      expect(new Set(seen)).toEqual(
        new Set(['Bearer tok3n', `Basic ${Buffer.from('bench:pa:ss').toString('base64')}`]),
      );
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('CarArtifactStore', () => {
  it('excludes its own CAR file when writing inside the folder it describes', async () => {
    const dir = path.join(work, 'inside');
    await writeRunFolder(dir, sampleManifest(), 1000);
    const before = await carRootCid(dir);
    const store = new CarArtifactStore({ outDir: dir });
    const first = await store.publish(dir);
    expect(first.cid).toBe(before);
    expect((await store.publish(dir)).cid).toBe(before);
    expect((await stat(path.join(dir, 'inside.car'))).size).toBeGreaterThan(1000);
  });

  it('gives an empty folder the empty directory CID and refuses a missing one', async () => {
    const empty = path.join(work, 'empty-run');
    await writeFile(path.join(work, 'not-a-dir'), 'x');
    await mkdir(empty, { recursive: true });
    expect(await carRootCid(empty)).toBe('bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354');
    await expect(carRootCid(path.join(work, 'missing'))).rejects.toBeInstanceOf(InputError);
    await expect(carRootCid(path.join(work, 'not-a-dir'))).rejects.toBeInstanceOf(InputError);
  });

  it('reports an output folder it cannot write to at check time', async () => {
    await expect(
      new CarArtifactStore({ outDir: path.join(work, 'no', 'such') }).check(),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
