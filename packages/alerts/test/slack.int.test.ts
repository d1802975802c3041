import { createLogger } from '@benchrunner/core';
import { type RedisFixture, startRedis } from '@benchrunner/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notifier, redisDeliveryLog, SLACK_LIMITS } from '../src/index.ts';
import { blockKitProblems } from './block-kit.ts';
import { startReceiver } from './receiver.ts';
import { regression } from './regressions.ts';

describe('Slack incoming webhook', () => {
  let redis: RedisFixture;
  let client: Redis;
  const logger = createLogger({ name: 'alerts-test', level: 'silent' });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  it('posts a valid Block Kit message with the facts and a link, once', async () => {
    const receiver = await startReceiver(() => ({ status: 200 }));
    try {
      const notifier = new Notifier({
        channels: { slackUrl: `${receiver.url}/services/T000/B000/XXXX` },
        deliveries: redisDeliveryLog(client),
        logger,
        context: { project: 'demo', publicUrl: 'https://bench.example.org' },
      });
      const r = regression({ id: 'slack-1' });
      expect((await notifier.statusChanged(r, 'confirming')).sent).toEqual(['slack']);
      expect((await notifier.statusChanged(r, 'confirming')).skipped).toEqual(['slack']);
      expect(receiver.received).toHaveLength(1);
      const [request] = receiver.received;
      expect(request?.path).toBe('/services/T000/B000/XXXX');
      expect(request?.headers['content-type']).toBe('application/json');
      const message = JSON.parse(request!.body);
      expect(blockKitProblems(message)).toEqual([]);
      expect(message.blocks[0].text.text).toBe(
        'Confirmed regression: add/add file latency {fileSet=One4MBFile} +20.0 % on local (main)',
      );
      const fields = message.blocks[1].fields.map((f: { text: string }) => f.text);
      expect(fields).toEqual([
        '*Benchmark*\nadd/add file latency {fileSet=One4MBFile}',
        '*Minion*\nlocal',
        '*Branch*\nmain',
        '*Commits*\n11111111..aaaaaaaa',
        '*Change*\n+20.0 % (CI +17.0 % to +23.0 %)',
        '*p-value*\n0.0004',
        '*Status*\nconfirming → confirmed',
        '*Detector*\nbaseline',
      ]);
      expect(message.blocks[2].text.text).toBe(
        '<https://bench.example.org/regressions/slack-1|Open the regression page>',
      );
    } finally {
      await receiver.close();
    }
  });

  it('keeps within the limits whatever the names, and escapes mrkdwn', async () => {
    const receiver = await startReceiver(() => ({ status: 200 }));
    try {
      const notifier = new Notifier({
        channels: { slackUrl: receiver.url },
        deliveries: redisDeliveryLog(client),
        logger,
        context: { project: '<!channel> & co' },
      });
      const long = 'x'.repeat(5000);
      const r = regression({ id: 'slack-2' });
      await notifier.statusChanged(
        { ...r, series: { ...r.series, result: `<b>${long}`, params: { [long]: long } } },
        null,
      );
      const message = JSON.parse(receiver.received[0]!.body);
      expect(blockKitProblems(message)).toEqual([]);
      expect(message.blocks[0].text.text).toHaveLength(SLACK_LIMITS.headerText);
      expect(message.blocks[1].fields[0].text).toMatch(/^\*Benchmark\*\nadd\/&lt;b&gt;x+…$/);
      expect(message.blocks.at(-1).elements[0].text).toBe('benchrunner · &lt;!channel&gt; &amp; co');
    } finally {
      await receiver.close();
    }
  });
});
