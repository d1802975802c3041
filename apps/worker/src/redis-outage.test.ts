import { Writable } from 'node:stream';
import { createLogger } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { isConnectionError, RedisOutage } from './redis-outage.ts';

function recordingLogger() {
  const lines: { level: number; msg: string; err?: unknown }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: createLogger({ name: 'test', level: 'info', destination }), lines };
}

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });

describe('RedisOutage', () => {
  it('logs an outage once when it starts and once when it ends', () => {
    const { logger, lines } = recordingLogger();
    const outage = new RedisOutage(logger);
    for (let i = 0; i < 50; i++) {
      outage.error('connection', refused());
      outage.error('lane runs-local', new Error('Connection is closed.'));
    }
    expect(outage.isDown).toBe(true);
    outage.ready();
    outage.ready();
    expect(lines.map((l) => l.msg)).toEqual([
      'redis unreachable: no run starts or finishes until it is back; retrying',
      'redis reachable again',
    ]);
    expect(lines[1]).toMatchObject({ errors: 100 });
    expect(lines.some((l) => l.err)).toBe(false);
  });

  it('logs other errors as they come', () => {
    const { logger, lines } = recordingLogger();
    new RedisOutage(logger).error('lane runs-local', new Error('Missing lock for job r1'));
    expect(lines).toHaveLength(1);
    expect(isConnectionError(new Error('Missing lock for job r1'))).toBe(false);
  });
});
