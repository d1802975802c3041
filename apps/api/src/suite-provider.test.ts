import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSuite } from '@benchrunner/core';
import { afterEach, describe, expect, it } from 'vitest';
import { suiteProvider } from './suite-provider.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('suiteProvider', () => {
  it('picks up an edited suite after the recheck interval and keeps the last good one on a broken edit', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'suite-provider-'));
    const file = path.join(dir, 'suite.yaml');
    await writeFile(file, 'benchmarks:\n  - {name: a, command: [x]}\n');
    let clock = 0;
    const get = suiteProvider(file, await loadSuite(file), () => clock);
    expect((await get()).spec.benchmarks.map((b) => b.name)).toEqual(['a']);

    await writeFile(file, 'benchmarks:\n  - {name: b, command: [x]}\n');
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    expect((await get()).spec.benchmarks[0]?.name).toBe('a');
    clock += 1500;
    expect((await get()).spec.benchmarks[0]?.name).toBe('b');

    await writeFile(file, 'benchmarks: [\n');
    await utimes(file, new Date(), new Date(Date.now() + 10_000));
    clock += 1500;
    expect((await get()).spec.benchmarks[0]?.name).toBe('b');
  });
});
