import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.ts';
import { type Started, startProcess } from './process.ts';

export interface RedisFixture {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM: an AOF server flushes first). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
  /** Stops it and removes its data folder. */
  close(): Promise<void>;
}

/**
 * A real redis-server of our own on a free loopback port, with its data in a temp folder and AOF on
 * (appendfsync always by default), so a test can stop and restart it without losing accepted jobs.
 * Benchmarks pass `everysec`, the usual production setting.
 */
export async function startRedis(
  options: { appendfsync?: 'always' | 'everysec' } = {},
): Promise<RedisFixture> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-redis-'));
  let server: Started | undefined;
  const start = async () => {
    server = startProcess('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      options.appendfsync ?? 'always',
      '--save',
      '',
      '--daemonize',
      'no',
    ]);
    try {
      await waitForPort(port, '127.0.0.1', 10_000);
    } catch (error) {
      throw new Error(`redis-server did not start on ${port}: ${server.output()}`, { cause: error });
    }
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop: async () => {
      await server?.stop();
      server = undefined;
    },
    start,
    close: async () => {
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
