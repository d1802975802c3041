import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Command, CommandContext } from '../cli.ts';
import { stringOption } from '../options.ts';
import { dataDir, REPO_ROOT } from '../paths.ts';

/** Resolves true when something answers PING at host:port within timeoutMs. */
async function redisAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', binary], { stdio: 'ignore' }).status === 0;
}

const REDIS_HELP = `No Redis answers at REDIS_URL, and redis-server is not installed, so benchrunner cannot start one.
Get Redis in one of these ways, then run 'pnpm start' again:
  Debian/Ubuntu:  sudo apt-get install redis-server
  macOS:          brew install redis
  Docker:         docker run -d -p 6379:6379 redis:7 --appendonly yes
  or point REDIS_URL at a Redis you have (redis://host:6379).`;

/**
 * `benchrunner start`: the embedded default. The API and the worker as two processes on the
 * example suite and the local minion, a local Redis started when none answers, a generated key.
 */
export const startCommand: Command = {
  name: 'start',
  summary: 'start the API and a worker on this machine (embedded default: local minion, example suite)',
  positionals: [],
  options: {
    port: { type: 'string', valueName: 'PORT', description: 'HTTP port of the API (default: PORT or 3000)' },
  },
  details: `Configuration comes from the environment (see the README); unset values take the embedded defaults:
REDIS_URL redis://127.0.0.1:6379, DATA_DIR .data, SUITE_FILE examples/suite.yaml, a generated API key,
no INVENTORY_FILE (the local minion). Relative DATA_DIR, SUITE_FILE and INVENTORY_FILE are taken from
the repository root.
When no Redis answers at a loopback REDIS_URL and redis-server is installed, one is started with its
data (AOF on) in DATA_DIR/redis. Ctrl-C stops everything that was started.`,
  async run({ options }, context) {
    const env = { ...context.env };
    const port = stringOption(options, 'port') ?? env.PORT ?? '3000';
    const data = dataDir(env);
    mkdirSync(data, { recursive: true });
    const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const suiteFile = path.resolve(REPO_ROOT, env.SUITE_FILE ?? 'examples/suite.yaml');
    // The API and the worker run from their own folders: hand them absolute paths.
    const inventoryFile = env.INVENTORY_FILE ? path.resolve(REPO_ROOT, env.INVENTORY_FILE) : undefined;
    if (inventoryFile && !existsSync(inventoryFile)) {
      context.stderr(
        `benchrunner start: INVENTORY_FILE ${env.INVENTORY_FILE} does not exist (looked for ${inventoryFile}; a relative path is taken from the repository root)\n`,
      );
      return 2;
    }
    const children: { name: string; child: ChildProcess }[] = [];
    let stopping = false;

    const stopAll = async (code: number) => {
      if (stopping) return;
      stopping = true;
      // Workers and API first (the worker finishes or requeues its run), Redis last.
      for (const { child } of [...children].reverse()) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await new Promise((r) => child.once('exit', r));
        }
      }
      process.exit(code);
    };

    let parsed: URL;
    try {
      parsed = new URL(redisUrl);
    } catch {
      context.stderr(`benchrunner start: REDIS_URL is not a URL: ${redisUrl}\n`);
      return 2;
    }
    const redisHost = parsed.hostname || '127.0.0.1';
    const redisPort = Number(parsed.port || 6379);
    let redisNote = redisUrl.replace(/:[^:@/]*@/, ':***@');
    if (!(await redisAnswers(redisHost, redisPort))) {
      const loopback = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(redisHost);
      if (!loopback || !onPath('redis-server')) {
        context.stderr(`${REDIS_HELP}\n(REDIS_URL is ${redisNote})\n`);
        return 1;
      }
      const redisDir = path.join(data, 'redis');
      mkdirSync(redisDir, { recursive: true });
      const redis = spawn(
        'redis-server',
        [
          '--port',
          String(redisPort),
          '--bind',
          '127.0.0.1',
          '--dir',
          redisDir,
          '--appendonly',
          'yes',
          '--save',
          '',
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      children.push({ name: 'redis-server', child: redis });
      for (let i = 0; i < 100 && !(await redisAnswers('127.0.0.1', redisPort, 200)); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!(await redisAnswers('127.0.0.1', redisPort))) {
        context.stderr(`benchrunner start: redis-server did not come up on port ${redisPort}\n`);
        await stopAll(1);
      }
      redisNote = `${redisUrl} (started here, data in ${redisDir})`;
    }

    const apiKey = env.API_KEYS?.split(',')[0]?.trim() || randomBytes(24).toString('base64url');
    const shared = {
      ...env,
      REDIS_URL: redisUrl,
      DATA_DIR: data,
      SUITE_FILE: suiteFile,
      ...(inventoryFile ? { INVENTORY_FILE: inventoryFile } : {}),
      API_KEYS: env.API_KEYS || apiKey,
      BENCHRUNNER_LOCAL: 'true',
      PORT: port,
    };
    // Plain JavaScript bundles: no tsx loader in the long-running processes (about 40 MB less each).
    const bundled = await Promise.all([buildBundle('worker', context), buildBundle('api', context)]);
    const launch = (name: string, app: string, bundle: boolean) => {
      const child = spawn(process.execPath, bundle ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'], {
        cwd: path.join(REPO_ROOT, 'apps', app),
        env: shared,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push({ name, child });
      child.once('exit', (code, signal) => {
        if (stopping) return;
        context.stderr(
          `benchrunner start: the ${name} stopped (${signal ?? `exit ${code}`}); stopping the rest\n`,
        );
        void stopAll(1);
      });
    };
    launch('worker', 'worker', bundled[0]);
    launch('api', 'api', bundled[1]);
    printBanner(context, {
      port,
      apiKey,
      generated: !env.API_KEYS,
      redisNote,
      suiteFile,
      inventoryFile,
      data,
    });

    process.on('SIGINT', () => void stopAll(0));
    process.on('SIGTERM', () => void stopAll(0));
    await new Promise(() => undefined);
    return 0;
  },
};

/**
 * Bundles apps/<app>/src/main.ts into dist/main.js (scripts/build-app.mjs, about a second).
 * Resolves false, after saying why, when the build fails: the app then runs from source with tsx.
 */
async function buildBundle(app: string, context: CommandContext): Promise<boolean> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-app.mjs')], {
    cwd: path.join(REPO_ROOT, 'apps', app),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const outcome = await new Promise<number | string>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  if (outcome === 0) return true;
  context.stderr(
    `benchrunner start: building apps/${app}/dist/main.js failed (${typeof outcome === 'number' ? `exit ${outcome}` : outcome}); running the ${app} from source with tsx instead\n${output}`,
  );
  return false;
}

function printBanner(
  context: CommandContext,
  info: {
    port: string;
    apiKey: string;
    generated: boolean;
    redisNote: string;
    suiteFile: string;
    inventoryFile: string | undefined;
    data: string;
  },
): void {
  const url = `http://127.0.0.1:${info.port}`;
  const minions = info.inventoryFile
    ? `the minions of ${path.relative(REPO_ROOT, info.inventoryFile)}`
    : 'the local minion';
  context.stdout(
    [
      '',
      info.inventoryFile ? 'benchrunner (embedded mode, SSH minions)' : 'benchrunner (embedded local mode)',
      `  API        ${url}   docs ${url}/docs   Bull Board ${url}/ui (any user name, the key as password)`,
      `  API key    ${info.generated ? `${info.apiKey}   (generated; set API_KEYS to choose your own)` : '(from API_KEYS)'}`,
      `  Redis      ${info.redisNote}`,
      `  Suite      ${path.relative(REPO_ROOT, info.suiteFile)} on ${minions}`,
      `  Archive    ${info.data}/runs/<run id>/`,
      `  Try        curl -X POST ${url}/runs -H "Authorization: Bearer ${info.generated ? info.apiKey : '$KEY'}" -H 'content-type: application/json' -d '{"commit":"main"}'`,
      '  Ctrl-C stops everything started here.',
      '',
    ].join('\n'),
  );
}
