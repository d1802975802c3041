import { describe, expect, it } from 'vitest';
import { startInfluxd } from './influxd.ts';

describe('startInfluxd', () => {
  it('starts influxd with auth on a free port, survives a restart and cleans up on stop', async () => {
    const influxd = await startInfluxd({
      auth: { username: 'admin', password: "it's secret" },
      databases: ['db'],
    });
    try {
      expect(influxd.url).toBe(`http://127.0.0.1:${influxd.port}`);
      // Auth is on: a write without credentials is refused.
      const refused = await fetch(`${influxd.url}/write?db=db`, { method: 'POST', body: 'm v=1 1' });
      expect(refused.status).toBe(401);
      const basic = Buffer.from("admin:it's secret").toString('base64');
      const ok = await fetch(`${influxd.url}/write?db=db`, {
        method: 'POST',
        body: 'm v=1 1',
        headers: { authorization: `Basic ${basic}` },
      });
      expect(ok.status).toBe(204);
      await influxd.halt();
      await expect(fetch(`${influxd.url}/ping`)).rejects.toThrow();
      await influxd.restart();
      const [result] = await influxd.query('SELECT "v" FROM "m"', 'db');
      expect(result?.series?.[0]?.values).toEqual([[1, 1]]);
      await expect(influxd.query('SELECT nonsense FROM')).rejects.toThrow(/influxd/);
    } finally {
      await influxd.stop();
    }
    await expect(fetch(`${influxd.url}/ping`)).rejects.toThrow();
  });
});
