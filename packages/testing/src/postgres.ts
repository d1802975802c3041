import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from './ports.ts';
import { type Started, startProcess } from './process.ts';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** The machine's PostgreSQL (trust auth, user postgres), used unless a test starts its own. */
export const MACHINE_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PostgresFixture {
  /** The `postgres` database of the server. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown); `start()` brings it back on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data folder. */
  close(): Promise<void>;
}

/** The port opens before recovery ends ("the database system is starting up"): wait for pg_isready. */
async function waitUntilAccepting(port: number): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      await run(path.join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Runs as the `postgres` user when we are root: the server refuses to run as root. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--clear-groups', command, ...args]];
}

/**
 * A throwaway PostgreSQL server of our own (initdb into a temp folder, trust auth, loopback on a free
 * port), so a test can stop it without touching the machine's server.
 */
export async function startPostgres(): Promise<PostgresFixture> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  const [cmd, args] = asPostgres(path.join(BIN, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  await run(cmd, args);
  let server: Started | undefined;
  const start = async () => {
    const [command, argv] = asPostgres(path.join(BIN, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-k',
      dir,
      '-c',
      'fsync=off',
    ]);
    server = startProcess(command, argv);
    try {
      await waitForPort(port, '127.0.0.1', 20_000);
      await waitUntilAccepting(port);
    } catch (error) {
      throw new Error(`postgres did not start on ${port}: ${server.output()}`, { cause: error });
    }
  };
  await start();
  const stop = async () => {
    // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, the data is consistent.
    server?.child.kill('SIGINT');
    await server?.stop(10_000);
    server = undefined;
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TestDatabase {
  url: string;
  /** Drops the database (closing its connections first). */
  drop(): Promise<void>;
}

/** A fresh database `br_test_<random>` on a server (the machine's by default), to drop after the test file. */
export async function createTestDatabase(serverUrl: string = MACHINE_POSTGRES_URL): Promise<TestDatabase> {
  const name = `br_test_${randomBytes(6).toString('hex')}`;
  await run('psql', [serverUrl, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${name}`]);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await run('psql', [
        serverUrl,
        '-v',
        'ON_ERROR_STOP=1',
        '-qc',
        `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
      ]);
    },
  };
}
