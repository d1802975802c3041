import { createLogger } from '@benchrunner/core';
import { type RedisFixture, startRedis } from '@benchrunner/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertDeliveryError,
  DELIVERY_HEADER,
  EVENT_HEADER,
  Notifier,
  type NotifierOptions,
  redisDeliveryLog,
  SIGNATURE_HEADER,
  verifySignature,
} from '../src/index.ts';
import { type Answer, startReceiver } from './receiver.ts';
import { regression } from './regressions.ts';

const SECRET = 'webhook-secret-for-tests-0123456789';
const logger = createLogger({ name: 'alerts-test', level: 'silent' });
const fast = { baseDelayMs: 20, maxDelayMs: 200, attempts: 4, timeoutMs: 2000 };

describe('generic webhook', () => {
  let redis: RedisFixture;
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    clients.push(client);
    return client;
  };
  /** A notifier as a fresh worker process would make it: its own Redis connection. */
  const notifier = (url: string, extra: Partial<NotifierOptions> = {}) =>
    new Notifier({
      channels: { webhook: { url, secret: SECRET } },
      deliveries: redisDeliveryLog(connect()),
      logger,
      context: { project: 'demo', publicUrl: 'https://bench.example.org/' },
      retry: fast,
      ...extra,
    });

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.close();
  });

  it('signs the exact body with HMAC SHA-256 and names the event and delivery', async () => {
    const receiver = await startReceiver(() => ({ status: 204 }));
    try {
      const r = regression({ id: 'sig-1' });
      const outcome = await notifier(`${receiver.url}/hook`).statusChanged(r, 'confirming');
      expect(outcome.sent).toEqual(['webhook']);
      const [request] = receiver.received;
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe('/hook');
      const signature = request?.headers[SIGNATURE_HEADER.toLowerCase()] as string;
      expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(verifySignature(SECRET, request!.body, signature)).toBe(true);
      expect(verifySignature('another-secret-0123456789', request!.body, signature)).toBe(false);
      expect(verifySignature(SECRET, `${request!.body} `, signature)).toBe(false);
      expect(request?.headers[EVENT_HEADER.toLowerCase()]).toBe('regression.status');
      const body = JSON.parse(request!.body);
      expect(body).toMatchObject({
        event: 'regression.status',
        delivery: request?.headers[DELIVERY_HEADER.toLowerCase()],
        project: 'demo',
        status: 'confirmed',
        previousStatus: 'confirming',
        url: 'https://bench.example.org/regressions/sig-1',
        regression: { id: 'sig-1', change: 0.2, firstBad: { commit: 'a'.repeat(40) } },
      });
    } finally {
      await receiver.close();
    }
  });

  it('retries 5xx with a growing backoff and keeps the delivery id', async () => {
    const answers: Answer[] = [{ status: 500 }, { status: 502 }, { status: 200 }];
    const times: number[] = [];
    const receiver = await startReceiver((_r, i) => {
      times.push(Date.now());
      return answers[i] ?? { status: 200 };
    });
    try {
      const outcome = await notifier(receiver.url).statusChanged(regression({ id: 'retry-1' }), null);
      expect(outcome.sent).toEqual(['webhook']);
      expect(receiver.received.map((r) => r.headers[DELIVERY_HEADER.toLowerCase()])).toEqual(
        Array(3).fill(receiver.received[0]?.headers[DELIVERY_HEADER.toLowerCase()]),
      );
      // 20 ms, then 40 ms.
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(18);
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(38);
    } finally {
      await receiver.close();
    }
  });

  it('does not follow a redirect: the signed body goes nowhere else', async () => {
    const elsewhere = await startReceiver(() => ({ status: 200 }));
    const redirecting = await startReceiver(() => ({
      status: 307,
      headers: { location: `${elsewhere.url}/x` },
    }));
    try {
      const outcome = await notifier(redirecting.url).statusChanged(regression({ id: 'redirect-1' }), null);
      expect(outcome.rejected).toEqual(['webhook']);
      expect(redirecting.received).toHaveLength(1);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await Promise.all([elsewhere.close(), redirecting.close()]);
    }
  });

  it('does not retry a 4xx, and reports it without throwing', async () => {
    const receiver = await startReceiver(() => ({ status: 410, body: { error: 'gone' } }));
    try {
      const outcome = await notifier(receiver.url).statusChanged(regression({ id: 'gone-1' }), null);
      expect(outcome).toEqual({ sent: [], skipped: [], rejected: ['webhook'] });
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('throws after the last attempt, and a later call delivers what failed', async () => {
    let up = false;
    const receiver = await startReceiver(() => ({ status: up ? 200 : 503 }));
    try {
      await expect(notifier(receiver.url).statusChanged(regression({ id: 'down-1' }), null)).rejects.toThrow(
        AlertDeliveryError,
      );
      expect(receiver.received).toHaveLength(fast.attempts);
      up = true;
      const outcome = await notifier(receiver.url).statusChanged(regression({ id: 'down-1' }), null);
      expect(outcome.sent).toEqual(['webhook']);
      expect(receiver.received).toHaveLength(fast.attempts + 1);
    } finally {
      await receiver.close();
    }
  });

  it('delivers once per record and status, across restarted notifiers and a restarted Redis', async () => {
    const receiver = await startReceiver(() => ({ status: 200 }));
    try {
      const r = regression({ id: 'once-1' });
      expect((await notifier(receiver.url).statusChanged(r, null)).sent).toEqual(['webhook']);
      expect((await notifier(receiver.url).statusChanged(r, null)).skipped).toEqual(['webhook']);
      // Concurrent callers: one delivers; the other, not knowing the outcome yet, fails to be
      // called again, and then finds it delivered.
      const both = await Promise.allSettled([
        notifier(receiver.url).statusChanged(regression({ id: 'once-2' }), null),
        notifier(receiver.url).statusChanged(regression({ id: 'once-2' }), null),
      ]);
      expect(both.flatMap((o) => (o.status === 'fulfilled' ? o.value.sent : []))).toEqual(['webhook']);
      const waiting = both.find((o) => o.status === 'rejected');
      expect(waiting?.reason).toBeInstanceOf(AlertDeliveryError);
      expect(String(waiting?.reason)).toMatch(/being delivered by another worker/);
      expect(
        (await notifier(receiver.url).statusChanged(regression({ id: 'once-2' }), null)).skipped,
      ).toEqual(['webhook']);
      // Redis restarted from its append-only file: still remembered.
      for (const c of clients.splice(0)) c.disconnect();
      await redis.stop();
      await redis.start();
      expect((await notifier(receiver.url).statusChanged(r, null)).skipped).toEqual(['webhook']);
      expect(receiver.received).toHaveLength(2);
      // A new status of the same record is a new delivery.
      const fixed = await notifier(receiver.url).statusChanged({ ...r, status: 'fixed' }, 'confirmed');
      expect(fixed.sent).toEqual(['webhook']);
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it('sends only the statuses asked for: confirmed and fixed by default, the suite may add more', async () => {
    const receiver = await startReceiver(() => ({ status: 200 }));
    try {
      const suspected = regression({ id: 'on-1', status: 'suspected' });
      expect((await notifier(receiver.url).statusChanged(suspected, null)).sent).toEqual([]);
      expect(receiver.received).toHaveLength(0);
      const eager = notifier(receiver.url, { suite: { on: ['suspected'] } });
      expect((await eager.statusChanged(suspected, null)).sent).toEqual(['webhook']);
      const off = notifier(receiver.url, { suite: { webhook: false } });
      expect((await off.statusChanged(regression({ id: 'on-2' }), null)).sent).toEqual([]);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
