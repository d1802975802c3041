import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseSuite, type RunJobData, type RunManifest } from '@benchrunner/core';
import { TargetResolver } from '@benchrunner/git';
import { LocalRunner } from '@benchrunner/ssh';
import { createGitRepository, type GitRepoFixture } from '@benchrunner/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../src/pipeline.ts';

// The setup and the benchmark write what they were given (the benchmark's missing results are not the point).
const SEEN = (file: string) => `require('fs').writeFileSync(process.env.${file}, JSON.stringify({
  commit: process.env.BENCHRUNNER_COMMIT, repository: process.env.BENCHRUNNER_REPOSITORY ?? null }))`;

let root: string;
let repo: GitRepoFixture;
let runner: LocalRunner;
let targets: TargetResolver;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-pipeline-target-'));
  repo = await createGitRepository();
  runner = new LocalRunner({ minion: 'local', workDir: path.join(root, 'minion') });
  targets = new TargetResolver({ gitRoot: path.join(root, 'git') });
});
afterAll(async () => {
  await runner?.close();
  await repo?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function runWith(target: string, request: Partial<RunJobData>, scheduledAt?: Date) {
  counter++;
  const dir = path.join(root, `suite-${counter}`);
  await mkdir(dir, { recursive: true });
  const seen = path.join(dir, 'seen.json');
  const benchSeen = path.join(dir, 'bench-seen.json');
  const yaml = [
    target,
    `env: {SEEN_FILE: ${JSON.stringify(seen)}, BENCH_SEEN_FILE: ${JSON.stringify(benchSeen)}}`,
    `setup: [node, -e, ${JSON.stringify(SEEN('SEEN_FILE'))}]`,
    'benchmarks:',
    `  - {name: a, command: [node, -e, ${JSON.stringify(SEEN('BENCH_SEEN_FILE'))}]}`,
  ].join('\n');
  const suite = parseSuite(yaml, path.join(dir, 'suite.yaml'));
  const id = `target${counter}`;
  const archiveRoot = path.join(root, 'runs');
  const error = await runPipeline(
    { runner, suite, archiveRoot, logger: pino({ level: 'silent' }), targets },
    {
      id,
      attempt: 1,
      request: {
        commit: 'main',
        benchmarks: [],
        profile: false,
        minion: 'local',
        priority: 'manual',
        trigger: { kind: 'api', detail: {} },
        ...request,
      },
      signal: new AbortController().signal,
      ...(scheduledAt ? { scheduledAt } : {}),
      log: () => undefined,
      progress: () => undefined,
    },
  ).then(
    () => undefined,
    (e: Error) => e,
  );
  const manifest = JSON.parse(
    await readFile(path.join(archiveRoot, id, 'manifest.json'), 'utf8'),
  ) as RunManifest;
  const read = (file: string) =>
    readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as { commit: string; repository: string | null },
      () => undefined,
    );
  return { manifest, given: await read(seen), benchmarkGiven: await read(benchSeen), error };
}

describe('the run records its target', () => {
  it('resolves a run queued without a target (nightly, CLI) and gives the setup the full sha and the repository', async () => {
    const { manifest, given, benchmarkGiven } = await runWith(`target: {repository: ${repo.dir}}`, {
      commit: 'main',
    });
    expect(benchmarkGiven).toEqual({ commit: repo.sha.C, repository: repo.dir });
    expect(manifest.target).toMatchObject({
      repository: repo.dir,
      ref: 'main',
      branch: 'main',
      commit: { sha: repo.sha.C, firstParentDepth: 3 },
    });
    expect(given).toEqual({ commit: repo.sha.C, repository: repo.dir });
  });

  it('keeps the target resolved when the run was accepted', async () => {
    const accepted = await targets.resolve(
      parseSuite(
        `target: {repository: ${repo.dir}}\nbenchmarks: [{name: a, command: [x]}]`,
        path.join(root, 's.yaml'),
      ),
      {
        ref: 'v1',
        branch: 'release',
      },
    );
    const { manifest, given } = await runWith(`target: {repository: ${repo.dir}}`, {
      commit: repo.sha.B,
      target: accepted!,
    });
    expect(manifest.target).toEqual(accepted);
    expect(given?.commit).toBe(repo.sha.B);
  });

  it('resolves a scheduled run where its branch stood when it was queued', async () => {
    const { manifest } = await runWith(
      `target: {repository: ${repo.dir}}`,
      { commit: 'main', priority: 'nightly', trigger: { kind: 'schedule', detail: {} } },
      new Date('2026-01-01T04:30:00Z'),
    );
    expect(manifest.target?.commit.sha).toBe(repo.sha.M);
  });

  it('fails a run whose ref the repository does not have, with the archive kept', async () => {
    const { manifest, error, given } = await runWith(`target: {repository: ${repo.dir}}`, { commit: 'gone' });
    expect(error?.message).toContain('unknown ref "gone"');
    expect(manifest.state).toBe('failed');
    expect(manifest.error).toContain('unknown ref "gone"');
    expect(given).toBeUndefined();
  });

  it('passes the commit on as given for a suite without a target', async () => {
    const { manifest, given } = await runWith('', { commit: 'abcdef1' });
    expect(manifest.target).toBeUndefined();
    expect(given).toEqual({ commit: 'abcdef1', repository: null });
  });
});
