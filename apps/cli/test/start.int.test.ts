import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, type RedisFixture, startRedis } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_DIR, REPO_ROOT, useScratchDir } from './run-cli.ts';

const KEY = 'start-test-key-0123456789';

describe('benchrunner start with an inventory', () => {
  const scratch = useScratchDir();
  let redis: RedisFixture;
  let start: ChildProcess | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    if (start && start.exitCode === null && start.signalCode === null) {
      const gone = new Promise((resolve) => start?.once('exit', resolve));
      // start stops the API and the worker it launched, then exits.
      start.kill('SIGTERM');
      await gone;
    }
    await redis?.close();
  });

  it('takes a relative INVENTORY_FILE from the repository root, as SUITE_FILE, and names it in the banner', async () => {
    const inventory = path.join(scratch.path, 'inventory.yaml');
    await writeFile(
      inventory,
      `all:
  children:
    minions:
      hosts:
        inventory-minion:
          ansible_host: 127.0.0.1
          ansible_user: bench
          ansible_ssh_private_key_file: ./id_ed25519
          benchrunner_host_keys: [SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA]
`,
    );
    const relative = path.relative(REPO_ROOT, inventory);
    expect(path.isAbsolute(relative)).toBe(false);
    const port = await freePort();
    let output = '';
    // As `pnpm start` runs it: from apps/cli, with the caller's directory in INIT_CWD.
    const child = spawn(
      path.join(CLI_DIR, 'node_modules/.bin/tsx'),
      ['src/main.ts', 'start', '--port', String(port)],
      {
        cwd: CLI_DIR,
        env: {
          ...process.env,
          INIT_CWD: REPO_ROOT,
          REDIS_URL: redis.url,
          DATA_DIR: path.join(scratch.path, 'data'),
          INVENTORY_FILE: relative,
          API_KEYS: KEY,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    start = child;
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(`start exited (${signal ?? code}): ${output}`)),
    );

    // Both apps load the inventory: the API answers /minions with its host once it is up.
    const minions = async (): Promise<string[]> => {
      for (;;) {
        const response = await fetch(`http://127.0.0.1:${port}/minions`, {
          headers: { authorization: `Bearer ${KEY}` },
        }).catch(() => undefined);
        if (response?.ok) {
          const body = (await response.json()) as { minions: { minion: string }[] };
          return body.minions.map((m) => m.minion);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const outcome = await Promise.race([minions(), exited]);
    expect(outcome).toEqual(['inventory-minion']);
    expect(output).toContain(`on the minions of ${relative}`);
    expect(output).not.toContain('local minion');
    // The worker is still up too (a failed worker stops start).
    await new Promise((r) => setTimeout(r, 3000));
    expect(child.exitCode).toBeNull();
  }, 120_000);
});
