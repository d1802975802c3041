import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '@benchrunner/testing';
import { describe, expect, it } from 'vitest';
import { ProcessGroup } from './process-group.ts';
import { StopWatch } from './stop-watch.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function run(group: ProcessGroup) {
  const out: string[] = [];
  group.child.stdout.on('data', (chunk: Buffer) => out.push(chunk.toString()));
  group.child.stderr.resume();
  const [code, signal] = await group.exited;
  group.dispose();
  return { ...group.outcome(code, signal), stopReason: group.stopReason, stdout: out.join('') };
}

describe('ProcessGroup', () => {
  it('reports the exit code of a command that ends by itself, and its output', async () => {
    const group = new ProcessGroup('sh', ['-c', 'echo hi; exit 3'], { env });
    group.watch({ timeoutMs: 30_000 });
    expect(await group.started).toBeUndefined();
    expect(await run(group)).toEqual({
      exitCode: 3,
      signal: null,
      timedOut: false,
      cancelled: false,
      stopReason: undefined,
      stdout: 'hi\n',
    });
  });

  it('runs the command in its own process group', async () => {
    const group = new ProcessGroup('sh', ['-c', 'ps -o pgid= -p $$'], { env });
    const result = await run(group);
    expect(Number(result.stdout.trim())).toBe(group.pgid);
    expect(group.pgid).not.toBe(process.pid);
  });

  it('stops the whole group on its timeout: the leader and a background child', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'process-group-'));
    const pidFile = path.join(dir, 'child.pid');
    const group = new ProcessGroup('sh', ['-c', 'sleep 60 & echo $! >"$0"; wait', pidFile], { env });
    group.watch({ timeoutMs: 300 });
    const child = Number(await waitFor(() => readFile(pidFile, 'utf8').catch(() => ''), 'the child pid'));
    const result = await run(group);
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGTERM', timedOut: true, cancelled: false });
    expect(result.stopReason).toBe('timeout');
    await waitFor(() => !alive(child), `background child ${child} gone`, 5000);
  });

  it('stops the group when the signal is aborted', async () => {
    const controller = new AbortController();
    const group = new ProcessGroup('sleep', ['60'], { env });
    group.watch({ signal: controller.signal });
    await group.started;
    controller.abort();
    const result = await run(group);
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGTERM', timedOut: false, cancelled: true });
    expect(result.stopReason).toBe('cancelled');
  });

  it('sends SIGKILL after the grace period to a group that ignores SIGTERM', async () => {
    const group = new ProcessGroup('sh', ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done'], {
      env,
    });
    let ready = false;
    group.child.stdout.on('data', () => {
      ready = true;
    });
    await waitFor(() => ready, 'the trap set');
    const t0 = Date.now();
    group.watch({ timeoutMs: 1, graceMs: 600 });
    const [code, signal] = await group.exited;
    group.dispose();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    expect(group.outcome(code, signal)).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: true });
  });

  it('with a grace of 0, sends SIGKILL at once, without SIGTERM', async () => {
    // sleep dies of the first signal it gets: SIGTERM would show as such.
    const group = new ProcessGroup('sleep', ['60'], { env });
    await group.started;
    const controller = new AbortController();
    group.watch({ signal: controller.signal, graceMs: 0 });
    controller.abort();
    const [code, signal] = await group.exited;
    group.dispose();
    expect(group.outcome(code, signal)).toMatchObject({ exitCode: null, signal: 'SIGKILL', cancelled: true });
  });

  it('reports a command that cannot start', async () => {
    const group = new ProcessGroup('/nonexistent/benchrunner-command', [], { env });
    group.watch({ timeoutMs: 10_000 });
    const error = await group.started;
    expect(error?.message).toMatch(/ENOENT/);
    const closed = await group.closed;
    group.dispose();
    expect(closed.error?.message).toMatch(/ENOENT/);
    expect(group.kill('SIGKILL')).toBe(false);
  });
});

describe('StopWatch', () => {
  it('remembers a timeout then a cancel; the first is the reason; stop is called for each', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const watch = new StopWatch({ signal: controller.signal, timeoutMs: 20 }, (reason) => calls.push(reason));
    await waitFor(() => watch.timedOut, 'the timeout', 5000);
    controller.abort();
    watch.dispose();
    expect(calls).toEqual(['timeout', 'cancelled']);
    expect(watch).toMatchObject({ timedOut: true, cancelled: true, reason: 'timeout', stopped: true });
  });

  it('does nothing once disposed', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const watch = new StopWatch({ signal: controller.signal, timeoutMs: 50 }, (reason) => calls.push(reason));
    watch.dispose();
    controller.abort();
    const probe = new StopWatch({ timeoutMs: 100 }, () => undefined);
    await waitFor(() => probe.timedOut, 'a later timeout', 5000);
    expect(calls).toEqual([]);
    expect(watch.stopped).toBe(false);
  });
});
