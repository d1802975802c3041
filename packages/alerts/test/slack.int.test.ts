import { createLogger } from '@benchrunner/core';
import { type RedisFixture, startRedis } from '@benchrunner/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notifier, redisDeliveryLog, SLACK_LIMITS } from '../src/index.ts';
import { startReceiver } from './receiver.ts';
import { regression } from './regressions.ts';

/**
 * Block Kit's documented rules for the blocks a message may hold
 * (https://api.slack.com/reference/block-kit/blocks): at most 50 blocks; a header's text is
 * plain_text of at most 150 characters; a section has text or fields, at most 10 fields of at most
 * 2000 characters, text of at most 3000; a context at most 10 elements; text objects are
 * `plain_text` or `mrkdwn` with non-empty text.
 */
function blockKitProblems(message: unknown): string[] {
  const problems: string[] = [];
  const m = message as { text?: unknown; blocks?: unknown };
  if (typeof m.text !== 'string' || m.text.length === 0) problems.push('text: missing fallback text');
  if (!Array.isArray(m.blocks) || m.blocks.length === 0 || m.blocks.length > 50) {
    return [...problems, 'blocks: must be 1 to 50'];
  }
  const textObject = (t: unknown, where: string, max: number, plainOnly = false) => {
    const o = t as { type?: unknown; text?: unknown };
    if (o?.type !== 'plain_text' && (plainOnly || o?.type !== 'mrkdwn'))
      problems.push(`${where}.type: ${String(o?.type)}`);
    if (typeof o?.text !== 'string' || o.text.length === 0 || o.text.length > max)
      problems.push(`${where}.text: length ${String((o?.text as string)?.length)} not in 1..${max}`);
    const keys = Object.keys(o ?? {}).filter((k) => !['type', 'text', 'emoji', 'verbatim'].includes(k));
    if (keys.length > 0) problems.push(`${where}: unknown keys ${keys.join(', ')}`);
  };
  m.blocks.forEach((block: Record<string, unknown>, i: number) => {
    const at = `blocks[${i}]`;
    if (block.type === 'header') textObject(block.text, `${at}.text`, 150, true);
    else if (block.type === 'section') {
      if (block.text === undefined && block.fields === undefined) problems.push(`${at}: text or fields`);
      if (block.text !== undefined) textObject(block.text, `${at}.text`, 3000);
      if (block.fields !== undefined) {
        const fields = block.fields as unknown[];
        if (!Array.isArray(fields) || fields.length === 0 || fields.length > 10)
          problems.push(`${at}.fields: 1 to 10`);
        fields.forEach((f, j) => {
          textObject(f, `${at}.fields[${j}]`, 2000);
        });
      }
    } else if (block.type === 'context') {
      const elements = block.elements as unknown[];
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10)
        problems.push(`${at}.elements: 1 to 10`);
      elements.forEach((e, j) => {
        textObject(e, `${at}.elements[${j}]`, 3000);
      });
    } else problems.push(`${at}.type: ${String(block.type)} not used here`);
  });
  return problems;
}

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
