import { type CommitInfo, RunProbe } from '@benchrunner/core';
import { planConfirmation, type Regression } from '@benchrunner/results-db';
import { linearCommits } from '@benchrunner/results-db/test/git-history.ts';
import { manifest, noisySamples } from '@benchrunner/results-db/test/manifests.ts';
import { launchBrowser } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, json, listen, startHarness } from './harness.ts';

const SHOTS = process.env.BENCHRUNNER_SCREENSHOTS ?? '/tmp';
/** What a benchmark tool may call a case: it must show as text and never run. */
const HOSTILE = 'add file <script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">';
const RUNS = 20;
const CHANGE_AT = 12;

/** Run in a blank page (no DOM types here): the variance of a PNG's luminance, as Chromium decodes it. */
const LUMINANCE_VARIANCE = `(async () => {
  const image = new Image();
  image.src = 'data:image/png;base64,PNG';
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < data.length; i += 4) {
    const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
    sum += y;
    squares += y * y;
  }
  const n = data.length / 4;
  return squares / n - (sum / n) ** 2;
})()`;

let h: Harness;
let commits: CommitInfo[];
let stopRepo: () => Promise<void>;
let server: Awaited<ReturnType<typeof listen>>;
let base: string;
let regression: Regression;

beforeAll(async () => {
  h = await startHarness({ publicReads: true });
  const history = await linearCommits(RUNS);
  commits = history.commits;
  stopRepo = history.stop;
  // Stored without detection (as before an upgrade): POST /history/detect finds the change.
  const samples = noisySamples(11);
  for (const [i, commit] of commits.entries()) {
    const run = manifest({
      id: `run-${String(i).padStart(2, '0')}`,
      startedAt: new Date(Date.parse('2026-06-01T00:00:00Z') + i * 60_000).toISOString(),
      commit,
      samples: samples(i >= CHANGE_AT ? 1250 : 1000),
    });
    const [result] = run.results;
    if (result?.benchmarks[0]) result.benchmarks[0].name = HOSTILE;
    // The minion was set up differently from the change on: the page names it as a possible cause.
    if (i >= CHANGE_AT) run.environment = { ...run.environment, cpus: '4' };
    await h.deps.results.ingestRun(run);
  }
  server = await listen(h.app);
  base = server.base;
});
afterAll(async () => {
  await server?.close();
  await h?.close();
  await stopRepo?.();
});

describe('POST /history/detect', () => {
  it('answers 400 naming the field for a bad body', async () => {
    for (const [body, field] of [
      [{ minion: 'a:b' }, 'body.minion'],
      [{ colour: 'red' }, 'colour'],
      [[], 'body'],
    ] as const) {
      const response = await h.post('/history/detect', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await json(response)).error.message).toContain(field);
    }
  });

  it('finds the change in the stored history, records it once, and needs a key', async () => {
    expect((await h.app.request('/history/detect', { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await json(await h.post('/history/detect', { minion: 'other' }))).regressions).toEqual([]);
    const response = await h.post('/history/detect', { benchmark: 'add', branch: 'main' });
    expect(response.status).toBe(200);
    const { regressions } = (await response.json()) as { regressions: Regression[] };
    expect(regressions).toHaveLength(1);
    regression = regressions[0] as Regression;
    expect(regression).toMatchObject({
      detector: 'change-point',
      kind: 'regression',
      status: 'suspected',
      series: { benchmark: 'add', result: HOSTILE, measure: 'latency' },
      lastGood: { runId: `run-${CHANGE_AT - 1}`, commit: commits[CHANGE_AT - 1]?.sha },
      firstBad: { runId: `run-${CHANGE_AT}`, commit: commits[CHANGE_AT]?.sha },
    });
    // The new suspicion goes to the worker's status listeners, as after a run; once.
    const news = await h.publishQueue.getJobs(['waiting', 'prioritized']);
    expect(news.map((j) => [j.name, j.data])).toEqual([
      [
        'status',
        {
          changes: [{ regression: regression.id, from: null, to: 'suspected' }],
          source: 'POST /history/detect',
        },
      ],
    ]);
    const again = (await json(await h.post('/history/detect', {}))).regressions as Regression[];
    expect(again.map((r) => r.id)).toEqual([regression.id]);
    expect(await h.publishQueue.getJobCounts('waiting', 'prioritized')).toEqual({
      waiting: 1,
      prioritized: 0,
    });
    expect((await json(await h.call('/regressions'))).regressions).toHaveLength(1);
  });
});

describe('GET /regressions/:id as a page', () => {
  it('answers JSON to a client that does not ask for HTML', async () => {
    const response = await h.call(`/regressions/${regression.id}`, { headers: { accept: '*/*' } });
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await response.json()) as Regression).id).toBe(regression.id);
  });

  it('renders in Chromium: facts, escaped names, commit links, the chart and its change point, nothing else loaded', async () => {
    const browser = await launchBrowser({ viewport: { width: 1000, height: 1100 } });
    try {
      const page = await browser.context.newPage();
      const urls: string[] = [];
      const problems: string[] = [];
      page.on('request', (request) => urls.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      const response = await page.goto(`${base}/regressions/${regression.id}`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-type']).toMatch(/text\/html/);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");

      await expect(page.title()).resolves.toContain('regression of add latency');
      const text = await page.locator('main').textContent();
      for (const fact of [
        'suspected',
        'change-point',
        'local',
        'main',
        'ns',
        'p-value',
        `run-${CHANGE_AT}`,
      ]) {
        expect(text).toContain(fact);
      }
      // The hostile case name is shown as text and ran nothing.
      expect(text).toContain(HOSTILE);
      expect(await page.evaluate('window.pwned')).toBeUndefined();
      expect(await page.locator('main script, main img').count()).toBe(0);
      // The commits link to the repository's web pages.
      const firstBad = commits[CHANGE_AT]?.sha as string;
      expect(await page.locator(`a[href="https://example.org/demo/commit/${firstBad}"]`).count()).toBe(1);
      // The environment changed with the benchmark: named as a possible cause.
      await expect(page.locator('.cause').textContent()).resolves.toContain(
        'environment fingerprint changed',
      );

      // The chart: one point per run, the change point in its right half, both levels drawn.
      const chart = page.locator('svg.chart');
      await chart.waitFor({ state: 'visible' });
      expect(await chart.locator('circle.point').count()).toBe(RUNS);
      expect(await chart.locator('circle.point.after').count()).toBe(RUNS - CHANGE_AT);
      expect(await chart.locator('line.level.before').count()).toBe(1);
      expect(await chart.locator('line.level.after').count()).toBe(1);
      const box = await chart.boundingBox();
      const marker = await chart.locator('line.change-point').boundingBox();
      if (!box || !marker) throw new Error('chart or change point not laid out');
      expect(box.width).toBeGreaterThan(400);
      expect(box.height).toBeGreaterThan(150);
      expect(marker.x - box.x).toBeGreaterThan(box.width / 2);
      expect(marker.x).toBeLessThan(box.x + box.width);
      // The level after the change is drawn above the level before it (a slower benchmark, higher ns).
      const before = await chart.locator('line.level.before').boundingBox();
      const after = await chart.locator('line.level.after').boundingBox();
      expect(after?.y).toBeLessThan(before?.y ?? 0);

      await page.screenshot({ path: `${SHOTS}/benchrunner-regression-page.png`, fullPage: true });
      const shot = (await chart.screenshot()).toString('base64');
      // Not blank: the chart's pixels vary (decoded by Chromium itself on a blank page).
      const probe = await browser.context.newPage();
      const variance = await probe.evaluate(LUMINANCE_VARIANCE.replace('PNG', shot));
      expect(variance).toBeGreaterThan(100);

      expect(problems).toEqual([]);
      expect(urls.filter((u) => new URL(u).origin !== base && !u.startsWith('data:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('shows the confirmation and the bisection in Chromium: figures, outcome, culprit and probes, escaped', async () => {
    const results = h.deps.results;
    // A confirmation, its six runs stored as the worker stores them, and decided.
    let n = 0;
    const runs = planConfirmation(
      commits[CHANGE_AT - 1]?.sha as string,
      commits[CHANGE_AT]?.sha as string,
      3,
      () => `confirm-${n++}`,
    );
    expect(await results.beginConfirmation(regression.id, runs, ['suspected'])).not.toBeNull();
    const samples = noisySamples(12);
    for (const run of runs) {
      const stored = manifest({
        id: run.runId,
        startedAt: new Date(Date.parse('2026-06-02T00:00:00Z') + run.round * 60_000).toISOString(),
        commit: commits.find((c) => c.sha === run.commit) as CommitInfo,
        samples: samples(run.side === 'suspect' ? 1250 : 1000),
      });
      const [result] = stored.results;
      if (result?.benchmarks[0]) result.benchmarks[0].name = HOSTILE;
      stored.request.probe = RunProbe.parse({
        kind: 'confirmation',
        regression: regression.id,
        side: run.side,
        round: run.round,
      });
      await results.ingestRun(stored);
    }
    const decided = await results.settleConfirmation(regression.id);
    expect(decided).toMatchObject({ to: 'confirmed' });
    // A bisection of the range, done, whose culprit is a merge with a hostile subject and author.
    const [good, probed, culprit, bad] = [8, 10, 11, CHANGE_AT].map((i) => commits[i]?.sha as string);
    await results.bisections.create({
      id: 'bis-page',
      regressionId: regression.id,
      series: { key: regression.series.key, benchmark: 'add', minion: 'local', branch: 'main' },
      good: good as string,
      bad: bad as string,
      input: { commits: [], good: [1000, 1001], bad: [1250, 1251] },
    });
    const side = (change: number, verdict: 'no significant change' | 'improved') => ({
      change,
      changeCi: {
        lower: change - 0.01,
        upper: change + 0.01,
        confidence: 0.95,
        method: 'bootstrap-percentile' as const,
      },
      p: 0.002,
      verdict,
    });
    await results.bisections.addProbe('bis-page', {
      commit: probed as string,
      position: 1,
      attempt: 1,
      repeats: 7,
      runId: 'probe-run-1',
    });
    await results.bisections.finishProbe('bis-page', 0, {
      index: 1,
      sha: probed as string,
      attempt: 1,
      repeats: 7,
      outcome: 'good',
      samples: [1000, 1002],
      figures: {
        n: 7,
        median: 1001,
        vsGood: side(0.001, 'no significant change'),
        vsBad: side(-0.2, 'improved'),
      },
    });
    await results.bisections.end('bis-page', {
      status: 'done',
      culprit: {
        sha: culprit as string,
        subject: 'Merge <b onmouseover="window.pwned=3">slow</b> & co',
        author: 'Mallory <mallory@example.org>',
        time: '2026-05-30T10:00:00Z',
        merge: true,
        merged: ['e'.repeat(40)],
      },
    });

    const browser = await launchBrowser({ viewport: { width: 1000, height: 1400 } });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${base}/regressions/${regression.id}`);
      const confirmation = (await page.locator('section.confirmation').textContent()) ?? '';
      for (const fact of [
        '3 of 3 runs',
        'n = ',
        'confirmed',
        'Reason',
        'p-value',
        'confirm-0',
        'confirm-5',
      ]) {
        expect(confirmation).toContain(fact);
      }
      expect(confirmation).toMatch(/\+2\d\.\d %/);
      const bisection = (await page.locator('section.bisection').textContent()) ?? '';
      for (const fact of [
        'done',
        'Merge <b onmouseover="window.pwned=3">slow</b> & co',
        'Mallory <mallory@example.org>',
        'a merge, bringing in 1 commit (not bisected)',
        'Probes (1)',
      ]) {
        expect(bisection).toContain(fact);
      }
      expect(await page.locator('section.bisection b').count()).toBe(0);
      const probeRow = page.locator('table.probes tbody tr');
      expect(await probeRow.count()).toBe(1);
      const cells = await probeRow.locator('td').allTextContents();
      expect(cells[1]).toContain((probed as string).slice(0, 12));
      expect(cells[2]).toBe('good');
      expect(cells[3]).toBe('7');
      expect(cells[4]).toContain('1');
      expect(cells[5]).toContain('no significant change');
      expect(cells[6]).toContain('-20.0 %');
      expect(
        await page.locator(`section.bisection a[href="https://example.org/demo/commit/${culprit}"]`).count(),
      ).toBe(1);
      // Both are shown in their sections, not dumped as JSON under "More".
      expect(await page.locator('h2', { hasText: 'More' }).count()).toBe(0);
      expect(await page.evaluate('window.pwned')).toBeUndefined();
      await page.screenshot({ path: `${SHOTS}/benchrunner-regression-evidence.png`, fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('lists the records as a table in Chromium, each linking to its page', async () => {
    const browser = await launchBrowser({ viewport: { width: 1200, height: 800 } });
    try {
      const page = await browser.context.newPage();
      const urls: string[] = [];
      page.on('request', (request) => urls.push(request.url()));
      const response = await page.goto(`${base}/regressions?benchmark=add`);
      expect(response?.headers()['content-type']).toMatch(/text\/html/);
      const rows = page.locator('table.list tbody tr');
      expect(await rows.count()).toBe(1);
      expect(await rows.first().textContent()).toContain(HOSTILE);
      expect(await page.evaluate('window.pwned')).toBeUndefined();
      await rows.first().locator('a').click();
      await page.waitForURL(`${base}/regressions/${regression.id}`);
      await page.locator('svg.chart').waitFor({ state: 'visible' });
      expect(urls.filter((u) => new URL(u).origin !== base && !u.startsWith('data:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('answers 404 for an unknown record, in JSON', async () => {
    const response = await h.call('/regressions/0123456789abcdef0123', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(404);
  });
});
