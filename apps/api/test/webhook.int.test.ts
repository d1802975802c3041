import { createHmac, randomUUID } from 'node:crypto';
import { PRIORITY } from '@benchrunner/core';
import { deliveryKey, RUN_RETENTION_SECONDS } from '@benchrunner/queue';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { type Harness, json, startHarness, startLaneWorker } from './harness.ts';

const SECRET = 'webhook-secret-0123456789';
const SHA = 'a'.repeat(40);
const PR_SHA = '0123456789abcdef0123456789abcdef01234567';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ webhookSecret: SECRET });
});
beforeEach(async () => {
  await h.reset();
});
afterAll(async () => {
  await h?.close();
});

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function deliver(
  event: string,
  payload: unknown,
  options: { signature?: string | null; app?: ReturnType<typeof createApp>; delivery?: string | null } = {},
) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signature = options.signature === undefined ? sign(body) : options.signature;
  return (options.app ?? h.app).request('/webhooks/github', {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      // GitHub gives every delivery its own id.
      ...(options.delivery === null ? {} : { 'x-github-delivery': options.delivery ?? randomUUID() }),
      ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
    },
  });
}

const push = {
  ref: 'refs/heads/main',
  before: 'b'.repeat(40),
  after: SHA,
  deleted: false,
  repository: { full_name: 'acme/project' },
};

async function jobCount(): Promise<number> {
  return h.lanes.get('local')!.count();
}

describe('signature', () => {
  it('rejects a missing, malformed or wrong signature with 401 and enqueues nothing', async () => {
    const body = JSON.stringify(push);
    for (const signature of [
      null,
      '',
      'sha256=',
      sign(body).replace('sha256=', 'sha1='),
      sign(body, 'another-secret-0123456789'),
      sign(`${body} `),
      sign(body).toUpperCase(),
      `${sign(body)}00`,
    ]) {
      const response = await deliver('push', body, { signature });
      expect(response.status, String(signature)).toBe(401);
      const payload = await json(response);
      expect(payload.error.code).toBe('bad_signature');
      expect(payload.error.message).toMatch(/X-Hub-Signature-256/);
    }
    expect(await jobCount()).toBe(0);
  });

  it('needs no bearer key: the signature is the authentication', async () => {
    const response = await deliver('push', push);
    expect(response.status).toBe(202);
  });
});

describe('events', () => {
  it('enqueues a push of payload.after with priority class ci', async () => {
    const response = await deliver('push', push, { delivery: 'delivery-1' });
    expect(response.status).toBe(202);
    const payload = await json(response);
    expect(payload).toMatchObject({ state: 'waiting', minion: 'local', duplicate: false, position: 0 });
    const job = await h.lanes.get('local')!.getJob(payload.id);
    expect(job).toBeDefined();
    expect(job!.data.commit).toBe(SHA);
    expect(job!.data.priority).toBe('ci');
    expect(job!.opts.priority).toBe(PRIORITY.ci);
    expect(job!.priority).toBe(PRIORITY.ci);
    expect(job!.data.tag).toBe('main');
    expect(job!.data.trigger).toEqual({
      kind: 'github',
      detail: { event: 'push', repository: 'acme/project', ref: 'refs/heads/main', delivery: 'delivery-1' },
    });
    // The API shows it the same way.
    const view = await json(await h.call(`/runs/${payload.id}`));
    expect(view).toMatchObject({ commit: SHA, priority: 'ci', trigger: { kind: 'github' } });
  });

  it('enqueues the head sha of an opened, synchronized or reopened pull request', async () => {
    for (const [i, action] of ['opened', 'synchronize', 'reopened'].entries()) {
      const sha = `${PR_SHA.slice(0, 39)}${i}`;
      const response = await deliver('pull_request', {
        action,
        number: 42,
        pull_request: { number: 42, head: { sha, ref: 'feature/x' }, base: { sha: SHA, ref: 'main' } },
        repository: { full_name: 'acme/project' },
      });
      expect(response.status, action).toBe(202);
      const job = await h.lanes.get('local')!.getJob((await json(response)).id);
      expect(job!.data.commit).toBe(sha);
      expect(job!.data.trigger.detail).toMatchObject({ event: 'pull_request', action, pull_request: '42' });
      expect(job!.priority).toBe(PRIORITY.ci);
    }
    expect(await jobCount()).toBe(3);
  });

  it('acknowledges ping, other events and other pull request actions without enqueuing', async () => {
    const ping = await deliver('ping', { zen: 'Keep it logically awesome.', hook_id: 1 });
    expect(ping.status).toBe(200);
    expect(await json(ping)).toEqual({ ok: true, event: 'ping' });
    for (const [event, payload] of [
      ['issues', { action: 'opened' }],
      ['release', { action: 'published' }],
      ['', {}],
      ['pull_request', { action: 'closed', pull_request: { head: { sha: PR_SHA } } }],
      ['pull_request', { action: 'labeled', pull_request: { head: { sha: PR_SHA } } }],
    ] as const) {
      const response = await deliver(event, payload);
      expect(response.status, `${event} ${JSON.stringify(payload)}`).toBe(200);
      const body = await json(response);
      expect(body.ok).toBe(true);
      expect(body.ignored).toEqual(expect.any(String));
    }
    expect(await jobCount()).toBe(0);
  });

  it('ignores a push that deletes a branch', async () => {
    for (const payload of [
      { ...push, after: '0'.repeat(40), deleted: true },
      { ...push, after: '0'.repeat(40) },
      { ...push, deleted: true },
    ]) {
      const response = await deliver('push', payload);
      expect(response.status).toBe(200);
      expect((await json(response)).ignored).toMatch(/deletes a ref/);
    }
    expect(await jobCount()).toBe(0);
  });

  it('answers 400 naming the field for a signed payload that is not a usable commit', async () => {
    for (const [event, payload, path] of [
      ['push', { ...push, after: '$(touch /tmp/pwned-webhook)' }, 'body.after'],
      ['push', { ...push, after: '--upload-pack=x' }, 'body.after'],
      ['push', 'not json', 'body'],
      ['push', '[]', 'body'],
      ['pull_request', { action: 'opened', pull_request: { head: {} } }, 'body.pull_request.head.sha'],
    ] as const) {
      const response = await deliver(event, payload);
      expect(response.status, JSON.stringify(payload)).toBe(400);
      const body = await json(response);
      expect(body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await jobCount()).toBe(0);
  });

  it('enqueues one run for a redelivered push while the first still waits', async () => {
    const first = await json(await deliver('push', push));
    const second = await json(await deliver('push', push));
    expect(second.id).toBe(first.id);
    expect(second.duplicate).toBe(true);
    expect(await jobCount()).toBe(1);
  });
});

describe('replayed deliveries', () => {
  it('accepts a delivery id once, also after its run started, for as long as runs are kept', async () => {
    const delivery = randomUUID();
    const first = await deliver('push', push, { delivery });
    expect(first.status).toBe(202);
    const { id } = await json(first);
    // A worker takes the run; from then on an identical request is a new run, not a duplicate.
    const lane = startLaneWorker(h.plainConnection(), 'local', () => new Promise(() => undefined));
    expect((await lane.started).id).toBe(id);
    for (let i = 0; i < 3; i++) {
      const replay = await deliver('push', push, { delivery });
      expect(replay.status).toBe(200);
      expect(await json(replay)).toMatchObject({ ok: true, duplicate: true, id });
    }
    expect(await h.lanes.get('local')!.getJobCountByTypes('waiting', 'prioritized', 'active')).toBe(1);
    expect(await h.connection.ttl(deliveryKey(delivery))).toBeGreaterThanOrEqual(RUN_RETENTION_SECONDS - 60);
    await lane.worker.close(true);
  });

  it('answers 400 naming X-GitHub-Delivery when a run-starting event has none', async () => {
    const response = await deliver('push', push, { delivery: null });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.message).toMatch(/X-GitHub-Delivery/);
    expect(body.error.details[0].path).toBe('header.x-github-delivery');
    expect(await jobCount()).toBe(0);
  });
});

describe('without GITHUB_WEBHOOK_SECRET', () => {
  it('answers 404 naming the variable, whatever the signature', async () => {
    const off = createApp({ ...h.deps, webhookSecret: undefined });
    for (const signature of [null, sign(JSON.stringify(push)), sign(JSON.stringify(push), '')]) {
      const response = await deliver('push', push, { app: off, signature });
      expect(response.status).toBe(404);
      const payload = await json(response);
      expect(payload.error.code).toBe('webhook_disabled');
      expect(payload.error.message).toMatch(/GITHUB_WEBHOOK_SECRET/);
    }
    expect(await jobCount()).toBe(0);
  });
});
