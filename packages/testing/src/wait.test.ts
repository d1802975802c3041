import { describe, expect, it } from 'vitest';
import { waitFor } from './wait.ts';

describe('waitFor', () => {
  it('returns the first truthy value, retrying falsy values and thrown errors', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls++;
        if (calls === 1) throw new Error('not listening yet');
        return calls >= 3 ? { calls } : undefined;
      },
      'the third call',
      5000,
      1,
    );
    expect(value).toEqual({ calls: 3 });
  });

  it('names what it waited for and keeps the last error as the cause', async () => {
    const failure = waitFor(
      () => {
        throw new Error('connection refused');
      },
      'the server',
      30,
      5,
    );
    await expect(failure).rejects.toThrow(/timed out after 30 ms waiting for the server/);
    await expect(failure).rejects.toHaveProperty('cause.message', 'connection refused');
  });
});
