import { createHmac, timingSafeEqual } from 'node:crypto';
import { GitRevision, type RunTarget, Tag } from '@benchrunner/core';
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { acceptTarget } from '../targets.ts';

/** Largest webhook payload GitHub sends (25 MB). */
export const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

/** True when `X-Hub-Signature-256` is the HMAC SHA-256 of the raw body under the secret. */
export function verifySignature(secret: string, body: Uint8Array, header: string | undefined): boolean {
  const match = header?.match(/^sha256=([0-9a-f]{64})$/);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}

interface Target {
  commit: string;
  ref?: string;
  /** Where the commit is in the payload, for errors. */
  field: string;
  /** The branch the run belongs to: the pushed branch, or `pull/<number>/head` for a pull request. */
  branch?: string;
  pullRequest?: RunTarget['pullRequest'];
  detail: Record<string, string>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The commit a push or pull_request event asks to benchmark, or why it is ignored. */
function targetOf(event: string, payload: Record<string, unknown>): Target | string {
  const repository = str((payload.repository as Record<string, unknown> | undefined)?.full_name) ?? '';
  if (event === 'push') {
    const after = str(payload.after);
    if (!after || /^0+$/.test(after) || payload.deleted === true) return 'push deletes a ref: nothing to run';
    const ref = str(payload.ref);
    const branch = ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
    return {
      commit: after,
      field: 'body.after',
      ...(ref ? { ref } : {}),
      ...(branch ? { branch } : {}),
      detail: { event, repository, ...(ref ? { ref } : {}) },
    };
  }
  if (event === 'pull_request') {
    const action = str(payload.action) ?? '';
    if (!['opened', 'synchronize', 'reopened'].includes(action))
      return `pull_request ${action}: nothing to run`;
    const pr = payload.pull_request as Record<string, unknown> | undefined;
    const head = pr?.head as Record<string, unknown> | undefined;
    const sha = str(head?.sha);
    if (!sha)
      throw new ApiError(400, 'invalid_request', 'body.pull_request.head.sha: missing', [
        { path: 'body.pull_request.head.sha', message: 'missing' },
      ]);
    const ref = str(head?.ref);
    const base = str((pr?.base as Record<string, unknown> | undefined)?.ref);
    const number = pr?.number;
    // A pull request's runs form their own series: its head branch may be a fork's `main`.
    const pullRequest =
      typeof number === 'number' && Number.isInteger(number) && number > 0 && ref && base
        ? { number, baseBranch: base, headBranch: ref }
        : undefined;
    return {
      commit: sha,
      field: 'body.pull_request.head.sha',
      ...(ref ? { ref } : {}),
      ...(pullRequest ? { branch: `pull/${pullRequest.number}/head`, pullRequest } : {}),
      detail: { event, action, repository, pull_request: String(pr?.number ?? ''), ...(ref ? { ref } : {}) },
    };
  }
  return `event ${event} is not handled`;
}

export function webhookRoutes(deps: ApiDeps) {
  const app = new Hono();
  app.post('/github', async (c) => {
    const secret = deps.webhookSecret;
    if (!secret)
      throw new ApiError(
        404,
        'webhook_disabled',
        'the GitHub webhook is off: set GITHUB_WEBHOOK_SECRET to turn it on',
      );
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (!verifySignature(secret, body, c.req.header('x-hub-signature-256'))) {
      throw new ApiError(
        401,
        'bad_signature',
        'X-Hub-Signature-256 does not match the body under the configured secret',
      );
    }
    const event = c.req.header('x-github-event') ?? '';
    const delivery = c.req.header('x-github-delivery') ?? '';
    if (event === 'ping') return c.json({ ok: true, event });
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(body).toString('utf8'));
    } catch (error) {
      throw new ApiError(
        400,
        'invalid_json',
        `body: malformed JSON (${(error as Error).message}); send the webhook as application/json`,
        [{ path: 'body', message: 'malformed JSON' }],
      );
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new ApiError(400, 'invalid_request', 'body: expected a JSON object', [
        { path: 'body', message: 'expected an object' },
      ]);
    }
    const target = targetOf(event, payload as Record<string, unknown>);
    if (typeof target === 'string') return c.json({ ok: true, ignored: target });
    const commit = GitRevision.safeParse(target.commit);
    if (!commit.success) {
      throw new ApiError(400, 'invalid_request', `commit "${target.commit.slice(0, 80)}" is not a hex sha`, [
        { path: target.field, message: 'not a commit sha' },
      ]);
    }
    // The branch becomes the run's tag when it is a safe one.
    const branch = target.ref?.replace(/^refs\/heads\//, '');
    const tag = branch && Tag.safeParse(branch).success ? branch : undefined;
    const resolved = await acceptTarget(
      deps,
      await deps.suite(),
      {
        ref: commit.data,
        ...(target.branch ? { branch: target.branch } : {}),
        ...(target.pullRequest ? { pullRequest: target.pullRequest } : {}),
      },
      target.field,
    );
    const minion = deps.runs.defaultMinion;
    const enqueued = await deps.runs.enqueue({
      commit: resolved?.commit.sha ?? commit.data,
      ...(resolved ? { target: resolved } : {}),
      benchmarks: [],
      profile: false,
      minion,
      ...(tag ? { tag } : {}),
      priority: 'ci',
      trigger: { kind: 'github', detail: { ...target.detail, delivery } },
      requestedAt: new Date().toISOString(),
    });
    deps.logger.info({ runId: enqueued.id, event, delivery, commit: commit.data }, 'webhook enqueued a run');
    return c.json(
      {
        id: enqueued.id,
        state: 'waiting',
        minion,
        position: enqueued.position,
        duplicate: enqueued.duplicate,
      },
      202,
    );
  });
  return app;
}
