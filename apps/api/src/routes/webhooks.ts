import { createHmac, timingSafeEqual } from 'node:crypto';
import { GitRevision, type RunTarget, Tag } from '@benchrunner/core';
import { type Context, Hono } from 'hono';
import { ok, on, routeGroup } from '../contract.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, ErrorBody } from '../errors.ts';
import { acceptTarget } from '../targets.ts';
import { streamBody } from '../validate.ts';
import { MalformedJsonError, PayloadScanner } from '../webhook-payload.ts';
import { RunAccepted } from './runs.ts';

/** Largest webhook payload GitHub sends (25 MB). */
const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

/** The digest `X-Hub-Signature-256` claims, or undefined when the header is missing or malformed. */
function claimedDigest(header: string | undefined): Buffer | undefined {
  const match = header?.match(/^sha256=([0-9a-f]{64})$/);
  return match ? Buffer.from(match[1]!, 'hex') : undefined;
}

/** The fields of a push or pull_request payload the webhook reads; the rest is never kept. */
const WANTED = new Set([
  'after',
  'ref',
  'deleted',
  'action',
  'repository.full_name',
  'pull_request.number',
  'pull_request.head.sha',
  'pull_request.head.ref',
  'pull_request.base.ref',
]);

const badSignature = () =>
  new ApiError(
    401,
    'bad_signature',
    'X-Hub-Signature-256 does not match the body under the configured secret',
  );

/**
 * Reads the body once as it arrives: through the HMAC and a scanner that keeps only the wanted
 * fields, so an unsigned 25 MB body costs a chunk at a time, not 25 MB. A body whose signature does
 * not match is refused before anything in it is looked at.
 */
async function signedPayload(c: Context, secret: string): Promise<Record<string, unknown>> {
  const claimed = claimedDigest(c.req.header('x-hub-signature-256'));
  if (!claimed) {
    // Nothing can match: the body is not read at all.
    c.header('Connection', 'close');
    throw badSignature();
  }
  const hmac = createHmac('sha256', secret);
  const scanner = new PayloadScanner(WANTED);
  let malformed: MalformedJsonError | undefined;
  await streamBody(c, WEBHOOK_BODY_LIMIT, (chunk) => {
    hmac.update(chunk);
    if (malformed) return;
    try {
      scanner.write(chunk);
    } catch (error) {
      if (!(error instanceof MalformedJsonError)) throw error;
      malformed = error;
    }
  });
  if (!timingSafeEqual(hmac.digest(), claimed)) throw badSignature();
  let payload: Record<string, unknown> | undefined;
  try {
    if (malformed) throw malformed;
    payload = scanner.end();
  } catch (error) {
    if (!(error instanceof MalformedJsonError)) throw error;
    throw new ApiError(
      400,
      'invalid_json',
      `body: malformed JSON (${error.message}); send the webhook as application/json`,
      [{ path: 'body', message: 'malformed JSON' }],
    );
  }
  if (!scanner.rootIsObject)
    throw new ApiError(400, 'invalid_request', 'body: expected a JSON object', [
      { path: 'body', message: 'expected an object' },
    ]);
  return payload;
}

/** The X-GitHub-Delivery header: GitHub's id of this delivery (a GUID), needed to refuse replays. */
function deliveryId(header: string | undefined): string {
  if (header && /^[A-Za-z0-9-]{1,100}$/.test(header)) return header;
  throw new ApiError(
    400,
    'invalid_request',
    `X-GitHub-Delivery: ${header ? 'not a delivery id (letters, digits and "-", at most 100)' : 'missing'}`,
    [{ path: 'header.x-github-delivery', message: header ? 'not a delivery id' : 'missing' }],
  );
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

export const webhooksApi = routeGroup('/webhooks', {
  github: {
    method: 'post',
    path: '/github',
    summary: 'GitHub push and pull_request events enqueue a run of the head commit (priority ci)',
    security: [{ githubSignature: [] }],
    responses: {
      202: ok('Enqueued', RunAccepted),
      200: ok('Acknowledged and ignored, or a delivery id seen before (`duplicate`, the run it started)'),
      400: ok('Malformed payload, or no X-GitHub-Delivery on an event that starts a run', ErrorBody),
      401: ok('Bad signature (a missing or malformed one before the body is read)', ErrorBody),
      404: ok('Webhook off', ErrorBody),
      413: ok('Body larger than 25 MB', ErrorBody),
    },
  },
});

export function webhookRoutes(deps: ApiDeps) {
  const app = new Hono();
  on(app, webhooksApi.routes.github, async (c) => {
    const secret = deps.webhookSecret;
    if (!secret)
      throw new ApiError(
        404,
        'webhook_disabled',
        'the GitHub webhook is off: set GITHUB_WEBHOOK_SECRET to turn it on',
      );
    const payload = await signedPayload(c, secret);
    const event = c.req.header('x-github-event') ?? '';
    if (event === 'ping') return c.json({ ok: true, event });
    const target = targetOf(event, payload);
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
    const delivery = deliveryId(c.req.header('x-github-delivery'));
    // Resolved before the delivery is claimed: a 400 for an unknown commit leaves the id unclaimed.
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
    // A delivery is accepted once: a replayed signed request starts nothing, even after its run began.
    const seen = await deps.runs.claimDelivery(delivery);
    if (seen !== null)
      return c.json({
        ok: true,
        duplicate: true,
        ...(seen ? { id: seen } : {}),
        ignored: `delivery ${delivery} was already received`,
      });
    const minion = deps.runs.defaultMinion;
    const enqueued = await deps.runs
      .enqueue({
        commit: resolved?.commit.sha ?? commit.data,
        ...(resolved ? { target: resolved } : {}),
        benchmarks: [],
        profile: false,
        minion,
        ...(tag ? { tag } : {}),
        priority: 'ci',
        trigger: { kind: 'github', detail: { ...target.detail, delivery } },
        requestedAt: new Date().toISOString(),
      })
      .catch(async (error: unknown) => {
        await deps.runs
          .releaseDelivery(delivery)
          .catch((e: Error) => deps.logger.warn({ err: e, delivery }, 'could not release the delivery id'));
        throw error;
      });
    await deps.runs
      .recordDelivery(delivery, enqueued.id)
      .catch((error: Error) =>
        deps.logger.warn({ err: error, delivery, runId: enqueued.id }, 'could not record the delivery id'),
      );
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
