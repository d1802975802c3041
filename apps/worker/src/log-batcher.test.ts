import { describe, expect, it } from 'vitest';
import { LogBatcher } from './log-batcher.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LogBatcher', () => {
  it('writes the lines of one interval as one call, in order', async () => {
    const writes: string[] = [];
    const batcher = new LogBatcher(async (lines) => writes.push(lines.join('\n')), { intervalMs: 30 });
    batcher.push('a');
    batcher.push('b');
    batcher.push('c');
    expect(writes).toEqual([]);
    await sleep(80);
    expect(writes).toEqual(['a\nb\nc']);
    batcher.push('d');
    await batcher.flush();
    expect(writes).toEqual(['a\nb\nc', 'd']);
  });

  it('flushes at once when maxLines are buffered', async () => {
    const writes: string[] = [];
    const batcher = new LogBatcher(async (lines) => writes.push(lines.join('\n')), {
      intervalMs: 60_000,
      maxLines: 3,
    });
    for (let i = 1; i <= 7; i++) batcher.push(String(i));
    await sleep(0);
    expect(writes).toEqual(['1\n2\n3', '4\n5\n6']);
    await batcher.flush();
    expect(writes).toEqual(['1\n2\n3', '4\n5\n6', '7']);
  });

  it('keeps writes in order even when an earlier write is slower', async () => {
    const writes: string[] = [];
    let calls = 0;
    const batcher = new LogBatcher(
      async (lines) => {
        const text = lines.join('\n');
        // The first write takes longest: a batcher that did not chain would reorder.
        await sleep(calls++ === 0 ? 50 : 1);
        writes.push(text);
      },
      { maxLines: 1 },
    );
    for (const line of ['x', 'y', 'z']) batcher.push(line);
    await batcher.flush();
    expect(writes).toEqual(['x', 'y', 'z']);
  });

  it('reports a failed write and goes on with the next one', async () => {
    const writes: string[] = [];
    const errors: string[] = [];
    let fail = true;
    const batcher = new LogBatcher(
      async (lines) => {
        const text = lines.join('\n');
        if (fail) {
          fail = false;
          throw new Error('redis down');
        }
        writes.push(text);
      },
      { onError: (error) => errors.push(error.message) },
    );
    batcher.push('lost');
    await batcher.flush();
    batcher.push('kept');
    await batcher.flush();
    expect(errors).toEqual(['redis down']);
    expect(writes).toEqual(['kept']);
  });

  it('does nothing on a flush with nothing buffered, and leaves no timer behind', async () => {
    let calls = 0;
    const batcher = new LogBatcher(async () => calls++, { intervalMs: 10 });
    await batcher.flush();
    batcher.push('one');
    await batcher.flush();
    await sleep(40);
    expect(calls).toBe(1);
  });
});
