import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const JSIPFS_CLI = path.resolve(HERE, '../node_modules/ipfs/src/cli.js');
// A dependency of js-ipfs 0.66 calls Promise.withResolvers, which Node 20 lacks.
const POLYFILL = path.join(HERE, 'ipfs-polyfill.cjs');

/** A command line for the js-ipfs CLI against a repo (and so against its running daemon). */
export interface IpfsCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** A running js-ipfs daemon started by {@link startIpfs}. */
export interface Ipfs {
  /** RPC API base, `http://127.0.0.1:<port>` (what kubo-rpc-client takes). */
  readonly apiUrl: string;
  /** Read-only gateway base, `http://127.0.0.1:<port>`. */
  readonly gatewayUrl: string;
  readonly repoPath: string;
  /** The bytes at an IPFS path (`<cid>/dir/file`), through the daemon's `cat`. */
  cat(ipfsPath: string): Promise<Buffer>;
  /** The CLI command line (`jsipfs add -r ...`) that talks to this daemon. */
  cli(args: string[]): IpfsCommand;
  /** Runs the CLI to its end and returns its output; throws on a non-zero exit. */
  exec(args: string[], timeoutMs?: number): Promise<string>;
  /** Kills the daemon, waits for its exit and removes the repo. */
  stop(): Promise<void>;
}

function runToEnd(cmd: IpfsCommand, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, { env: cmd.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`jsipfs ${cmd.args.slice(3).join(' ')} exited with ${code ?? signal}:\n${out}`));
    });
  });
}

/** The daemon could not bind a port picked as free: another process took it in between. */
class PortTakenError extends Error {
  override name = 'PortTakenError';
}

/** Attempts of {@link startIpfs}, each on new ports. */
const PORT_ATTEMPTS = 3;

/**
 * Starts a js-ipfs (ipfs@0.66.1) daemon, offline, in a temporary repo: no swarm addresses, no
 * bootstrap or delegates, MDNS and webRTCStar off (else `daemon --offline` hangs), API and gateway
 * on free 127.0.0.1 ports. A port that another process takes between being picked and being bound
 * (the daemon logs EADDRINUSE and hangs, it does not exit) is a new attempt on new ports.
 */
export async function startIpfs(options: { timeoutMs?: number } = {}): Promise<Ipfs> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startIpfsOnce(options.timeoutMs ?? 60_000);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function startIpfsOnce(timeoutMs: number): Promise<Ipfs> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-ipfs-'));
  const repoPath = path.join(dir, 'repo');
  const [apiPort, gatewayPort, rpcPort] = [await freePort(), await freePort(), await freePort()];
  const config = {
    Addresses: {
      Swarm: [],
      API: `/ip4/127.0.0.1/tcp/${apiPort}`,
      Gateway: `/ip4/127.0.0.1/tcp/${gatewayPort}`,
      RPC: `/ip4/127.0.0.1/tcp/${rpcPort}`,
      Delegates: [],
    },
    Bootstrap: [],
    Discovery: { MDNS: { Enabled: false }, webRTCStar: { Enabled: false } },
  };
  const configFile = path.join(dir, 'init-config.json');
  await writeFile(configFile, JSON.stringify(config));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    IPFS_PATH: repoPath,
    NODE_OPTIONS: `--require=${POLYFILL}`,
  };
  const raw = (args: string[]): IpfsCommand => ({
    command: process.execPath,
    args: [JSIPFS_CLI, ...args],
    env,
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  // The CLI turns the repo's multiaddr `api` file into a URL with a dependency version that
  // throws "Invalid URL"; an explicit http URL avoids that conversion.
  const cli = (args: string[]): IpfsCommand => raw(['--api', apiUrl, ...args]);

  let child: ChildProcess | undefined;
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await runToEnd(raw(['init', '--empty-repo', configFile]), timeoutMs);
    const daemon = raw(['daemon', '--offline']);
    const proc = spawn(daemon.command, daemon.args, { env: daemon.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`jsipfs daemon not ready after ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
      const onData = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
        if (output.includes('Daemon is ready')) {
          clearTimeout(timer);
          resolve();
        } else if (output.includes('EADDRINUSE')) {
          clearTimeout(timer);
          reject(new PortTakenError(`jsipfs daemon could not bind its ports:\n${output}`));
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`jsipfs daemon exited with ${String(code)}:\n${output}`));
      });
    });
    // Keep draining its output so the daemon never blocks on a full pipe.
    proc.stdout?.resume();
    proc.stderr?.resume();
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    apiUrl,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    repoPath,
    cli,
    exec: (args, ms = timeoutMs) => runToEnd(cli(args), ms),
    cat: async (ipfsPath: string) => {
      const res = await fetch(`${apiUrl}/api/v0/cat?arg=${encodeURIComponent(ipfsPath)}`, { method: 'POST' });
      const body = Buffer.from(await res.arrayBuffer());
      if (!res.ok) throw new Error(`ipfs cat ${ipfsPath}: ${res.status} ${body.toString()}`);
      return body;
    },
    stop,
  };
}
