import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseSuite, type RunManifest } from '@benchrunner/core';
import { type CommandRunner, LocalRunner, SshRunner } from '@benchrunner/ssh';
import { type SshdFixture, startSshd } from '@benchrunner/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../src/pipeline.ts';

const run = promisify(execFile);

/**
 * A benchmark as the consumer writes one: it keeps the environment it was given, starts a daemon
 * the way an IPFS benchmark would (its own session, outside the benchmark's process group), and
 * writes a seed result.
 */
const BENCH = `
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const name = process.env.BENCHRUNNER_BENCHMARK;
const out = process.env.OUT_FOLDER;
mkdirSync(out, { recursive: true });
writeFileSync(out + '/environ', readFileSync('/proc/self/environ'));
if (process.env.DAEMON_S) {
  spawn('sleep', [process.env.DAEMON_S], { detached: true, stdio: 'ignore' }).unref();
}
writeFileSync(out + '/' + name + '.json', JSON.stringify([{
  name, warmup: 'off', description: 'isolation', file_set: 'none', date: new Date().toISOString(), file: 'none',
  meta: { project: 'p', commit: process.env.BENCHRUNNER_COMMIT, version: '1', branch: 'b', guid: 'g' },
  duration: { s: 0, ms: 1 }, cpu: 1, loadAvg: [0, 0, 0], memory: 1,
}]));
`;

/** What a worker started with `pnpm start` under docker-compose has in its environment. */
function workerEnvironment(nonce: string): Record<string, string> {
  return {
    API_KEYS: `key-${nonce}`,
    INFLUX_PASSWORD: `influx-${nonce}`,
    GITHUB_WEBHOOK_SECRET: `hook-${nonce}`,
    REDIS_URL: `redis://:redis-${nonce}@127.0.0.1:6379`,
    npm_config_user_agent: `pnpm/10.34.9 ${nonce}`,
    npm_lifecycle_event: `benchrunner-${nonce}`,
  };
}

function parseEnviron(bytes: Buffer): Map<string, string> {
  return new Map(
    bytes
      .toString()
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

async function alive(command: string): Promise<boolean> {
  try {
    await run('pgrep', ['-f', `^${command}$`]);
    return true;
  } catch {
    return false;
  }
}

interface Target {
  runner: () => Promise<CommandRunner>;
  stop: () => Promise<void>;
}

const targets: Record<string, () => Promise<Target>> = {
  LocalRunner: async () => {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'isolation-minion-'));
    return {
      runner: async () => new LocalRunner({ minion: 'local', workDir }),
      stop: () => rm(workDir, { recursive: true, force: true }),
    };
  },
  SshRunner: async () => {
    const sshd: SshdFixture = await startSshd();
    return { runner: () => SshRunner.connect(sshd.minion('isolation')), stop: () => sshd.stop() };
  },
};

for (const [name, open] of Object.entries(targets)) {
  describe(`a run's processes on the ${name}`, () => {
    let target: Target;
    let root: string;
    beforeAll(async () => {
      target = await open();
      root = await mkdtemp(path.join(os.tmpdir(), 'isolation-run-'));
      // The suite runs in place; the minion's user (sshd fixture) must write its setup's dump there.
      await chmod(root, 0o777);
    });
    afterAll(async () => {
      await target?.stop();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it('get the suite environment, not the worker secrets; a detached daemon is killed and named', async () => {
      const nonce = randomBytes(6).toString('hex');
      const daemon = `4${Math.floor(Math.random() * 1e6)}.${Math.floor(Math.random() * 1e6) + 1}`;
      const yaml = `project: isolation
setup: [sh, -c, 'cat /proc/self/environ > setup.environ']
env: { SUITE_VAR: suite-${nonce} }
benchmarks:
  - name: env
    command: [node, bench.mjs]
    repeats: 1
    env: { DAEMON_S: '${daemon}' }
`;
      await writeFile(path.join(root, 'bench.mjs'), BENCH);
      const file = path.join(root, 'suite.yaml');
      await writeFile(file, yaml);
      const worker = workerEnvironment(nonce);
      const saved = { ...process.env };
      Object.assign(process.env, worker);
      const runner = await target.runner();
      let manifest: RunManifest;
      try {
        manifest = await runPipeline(
          {
            runner,
            suite: parseSuite(yaml, file),
            archiveRoot: path.join(root, 'runs'),
            logger: pino({ level: 'silent' }),
          },
          {
            id: `iso-${nonce}`,
            attempt: 1,
            request: {
              commit: `c0ffee${nonce}`,
              tag: `tag-${nonce}`,
              benchmarks: [],
              profile: false,
              minion: runner.minion,
              priority: 'manual',
              trigger: { kind: 'api', detail: {} },
            },
            signal: new AbortController().signal,
            log: () => undefined,
            progress: () => undefined,
          },
        );
      } finally {
        for (const key of Object.keys(worker)) if (!(key in saved)) delete process.env[key];
        await runner.close();
      }
      expect(manifest.state).toBe('completed');

      const dumps = {
        setup: await readFile(path.join(root, 'setup.environ')),
        benchmark: await readFile(path.join(root, 'runs', `iso-${nonce}`, 'raw', 'env', '1', 'environ')),
      };
      for (const [which, bytes] of Object.entries(dumps)) {
        const env = parseEnviron(bytes);
        expect(env.get('SUITE_VAR'), which).toBe(`suite-${nonce}`);
        expect(env.get('BENCHRUNNER_COMMIT'), which).toBe(`c0ffee${nonce}`);
        expect(env.get('BENCHRUNNER_TAG'), which).toBe(`tag-${nonce}`);
        expect(env.get('BENCHRUNNER_RUN_ID'), which).toBe(`iso-${nonce}`);
        for (const [key, value] of Object.entries(worker)) {
          expect(env.has(key), `${which} has ${key}`).toBe(false);
          expect(bytes.toString(), which).not.toContain(value);
        }
        expect(
          [...env.keys()].filter((key) => /^(npm|pnpm)_/i.test(key)),
          which,
        ).toEqual([]);
      }
      expect(dumps.benchmark.toString()).toContain('OUT_FOLDER=');

      expect(await alive(`sleep ${daemon}`)).toBe(false);
      expect(manifest.killed).toEqual([expect.objectContaining({ when: 'run', command: `sleep ${daemon}` })]);
    });
  });
}
