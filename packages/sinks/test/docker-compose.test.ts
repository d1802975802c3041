// Validates the repository's docker-compose.yaml with Debian's docker-compose 1.29 (no Docker
// engine needed for `config`).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FILE = path.join(ROOT, 'docker-compose.yaml');
const SECRETS = {
  REDIS_PASSWORD: 'redis-secret',
  INFLUX_ADMIN_PASSWORD: 'influx-admin-secret',
  INFLUX_WRITE_PASSWORD: 'influx-write-secret',
  INFLUX_READ_PASSWORD: 'influx-read-secret',
  GRAFANA_ADMIN_PASSWORD: 'grafana-secret',
  API_KEYS: '0123456789abcdef0123456789abcdef',
  POSTGRES_PASSWORD: 'postgres-secret',
};

async function compose(args: string[], env: Record<string, string>) {
  // Only PATH and HOME from the outside, so a variable set on this machine cannot hide a missing one.
  const clean = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env };
  try {
    const { stdout, stderr } = await promisify(execFile)('docker-compose', ['-f', FILE, ...args], {
      env: clean,
      cwd: ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('docker-compose.yaml', () => {
  it('validates with every secret set', async () => {
    const result = await compose(['config', '-q'], SECRETS);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('has no default for any secret: leaving one out fails and names it', async () => {
    const names = Object.keys(SECRETS);
    const results = await Promise.all(
      names.map((name) =>
        compose(['config', '-q'], Object.fromEntries(Object.entries(SECRETS).filter(([k]) => k !== name))),
      ),
    );
    names.forEach((name, i) => {
      expect(results[i]?.code, name).not.toBe(0);
      expect(results[i]?.stderr, name).toContain(`set ${name}`);
    });
  });

  it('wires Redis with AOF, a provisioned Grafana, Kubo and the two Dockerfiles', async () => {
    const { stdout, code } = await compose(['config'], SECRETS);
    expect(code).toBe(0);
    expect(stdout).toContain('--appendonly yes');
    expect(stdout).toContain('image: influxdb:1.8');
    expect(stdout).toContain('ARTIFACT_STORE: ipfs');
    expect(stdout).toContain('INFLUX_DB: benchmarks');
    expect(stdout).toMatch(/infrastructure\/grafana\/provisioning:\/etc\/grafana\/provisioning:ro/);
    expect(stdout).toMatch(/infrastructure\/grafana\/dashboards:\/var\/lib\/grafana\/dashboards:ro/);
    expect(stdout).toContain('image: ipfs/kubo:');
    expect(stdout).toContain('dockerfile: infrastructure/docker/api.Dockerfile');
    expect(stdout).toContain('dockerfile: infrastructure/docker/worker.Dockerfile');
    expect(stdout).toContain('image: postgres:15');
    expect(stdout).toContain(
      'DATABASE_URL: postgres://benchrunner:postgres-secret@postgres:5432/benchrunner',
    );
    for (const service of ['redis', 'postgres', 'influxdb', 'grafana', 'kubo', 'api']) {
      const block = stdout.split(/\n {2}(?=\S)/).find((b) => b.startsWith(`${service}:`)) ?? '';
      expect(block, service).toContain('healthcheck:');
    }
    // Debian's docker-compose 1.29 rejects a top-level name.
    expect(await readFile(FILE, 'utf8')).not.toMatch(/^name:/m);
    for (const file of ['api.Dockerfile', 'worker.Dockerfile']) {
      const text = await readFile(path.join(ROOT, 'infrastructure/docker', file), 'utf8');
      expect(text).toContain('FROM node:20-bookworm-slim');
      expect(text).toContain('pnpm install --frozen-lockfile');
    }
  });
});
