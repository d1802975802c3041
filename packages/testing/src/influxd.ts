import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.ts';

/** One statement's answer from InfluxDB's `/query` endpoint. */
export interface InfluxStatementResult {
  statement_id: number;
  error?: string;
  series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[];
}

/** A running influxd started by {@link startInfluxd}. */
export interface Influxd {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The admin user when started with `auth`. */
  readonly auth?: { username: string; password: string };
  /** Runs InfluxQL (as the admin user when auth is on); throws on HTTP or statement errors. */
  query(influxql: string, database?: string): Promise<InfluxStatementResult[]>;
  /** Stops the process but keeps its data, for outage tests; `restart()` brings it back on the same port. */
  halt(): Promise<void>;
  restart(): Promise<void>;
  /** Kills the process, waits for its exit and removes the temporary directory. */
  stop(): Promise<void>;
}

export interface StartInfluxdOptions {
  /** Turn on HTTP auth and create this admin user. */
  auth?: { username: string; password: string };
  /** Databases created at start. */
  databases?: string[];
  /** Milliseconds to wait for the HTTP port (default 20 s). */
  timeoutMs?: number;
}

/**
 * Starts Debian's influxd (1.6.7) with a generated config: data, meta and WAL in a temporary
 * directory, HTTP and RPC on free 127.0.0.1 ports, reporting and self-monitoring off.
 */
export async function startInfluxd(options: StartInfluxdOptions = {}): Promise<Influxd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-influxd-'));
  const port = await freePort();
  const rpcPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = path.join(dir, 'influxdb.conf');
  await writeFile(
    configFile,
    [
      'reporting-enabled = false',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${path.join(dir, 'meta')}"`,
      '[data]',
      `  dir = "${path.join(dir, 'data')}"`,
      `  wal-dir = "${path.join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${port}"`,
      `  auth-enabled = ${options.auth ? 'true' : 'false'}`,
      '  log-enabled = false',
      '[logging]',
      '  level = "warn"',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let output = '';
  const timeoutMs = options.timeoutMs ?? 20_000;

  const launch = async () => {
    output = '';
    const proc = spawn('influxd', ['-config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const exited = once(proc, 'exit').then(([code]) => {
      throw new Error(`influxd exited with ${String(code)} before it was ready:\n${output}`);
    });
    exited.catch(() => {});
    await Promise.race([waitForPort(port, '127.0.0.1', timeoutMs), exited]);
    // The port opens a moment before /ping answers.
    for (let i = 0; ; i++) {
      const res = await fetch(`${url}/ping`).catch(() => undefined);
      if (res?.status === 204) break;
      if (i > 100) throw new Error(`influxd on ${url} does not answer /ping:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const authHeader = options.auth
    ? {
        authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`,
      }
    : undefined;

  const query = async (influxql: string, database?: string): Promise<InfluxStatementResult[]> => {
    const body = new URLSearchParams({ q: influxql, epoch: 'ns' });
    if (database) body.set('db', database);
    const res = await fetch(`${url}/query`, { method: 'POST', body, headers: authHeader });
    const text = await res.text();
    if (!res.ok) throw new Error(`influxd ${res.status} for ${influxql}: ${text}`);
    const json = JSON.parse(text) as { results: InfluxStatementResult[] };
    for (const result of json.results) {
      if (result.error) throw new Error(`influxd: ${result.error} (in ${influxql})`);
    }
    return json.results;
  };

  try {
    await launch();
    if (options.auth) {
      // With no users yet, influxd accepts this one statement without credentials.
      const { username, password } = options.auth;
      const body = new URLSearchParams({
        q: `CREATE USER "${username}" WITH PASSWORD '${password.replaceAll("'", "\\'")}' WITH ALL PRIVILEGES`,
      });
      const res = await fetch(`${url}/query`, { method: 'POST', body });
      if (!res.ok) throw new Error(`influxd: creating the admin user failed: ${await res.text()}`);
    }
    for (const db of options.databases ?? []) await query(`CREATE DATABASE "${db}"`);
  } catch (error) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    port,
    auth: options.auth,
    query,
    halt: kill,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
