import { enqueueRun } from '@benchrunner/queue';
import { type BrowserFixture, launchBrowser, waitFor } from '@benchrunner/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, json, KEYS, listen, startHarness, startLaneWorker } from './harness.ts';

const SHOTS = process.env.BENCHRUNNER_SCREENSHOTS ?? '/tmp';
const LOG_LINES = [
  'cleanup: nothing left from earlier runs',
  'benchmark add: repeat 1 of 3 took 41 ms',
  'archive: wrote manifest.json',
];

let h: Harness;
let server: Awaited<ReturnType<typeof listen>>;
let base: string;
let runId: string;

beforeAll(async () => {
  h = await startHarness();
  // A run that really went through a worker: log lines, progress, a summary.
  runId = (await json(await h.post('/runs', { commit: 'abc1234', benchmarks: ['add'], tag: 'browser' }))).id;
  const { worker } = startLaneWorker(h.plainConnection(), 'local', async (job) => {
    for (const [i, line] of LOG_LINES.entries()) {
      await job.log(line);
      await job.updateProgress({ step: 'benchmarks', percent: (i + 1) * 30, benchmark: 'add' });
    }
    return {
      state: 'completed',
      archive: `/data/runs/${job.id}`,
      durationMs: 41,
      benchmarks: [],
      profiles: 0,
      failed: 0,
    };
  });
  await waitFor(
    async () => (await h.lanes.get('local')!.getJobState(runId)) === 'completed',
    'the run to complete',
  );
  await worker.close();
  // A bisection's probe, left waiting: Bull Board names it after its bisection.
  await enqueueRun(h.lanes.get('local')!, {
    commit: 'abc1235',
    benchmarks: ['add'],
    profile: false,
    minion: 'local',
    priority: 'bisect',
    trigger: { kind: 'api', detail: {} },
    probe: { kind: 'bisection', bisection: 'b-board', regression: 'r-board' },
  });
  server = await listen(h.app);
  base = server.base;
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

/** Opens a page that records every request, to prove nothing left the machine. */
async function recordingPage(browser: BrowserFixture): Promise<{ page: Page; urls: string[] }> {
  const page = await browser.context.newPage();
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  return { page, urls };
}

function offLoopback(urls: string[]): string[] {
  return urls.filter((u) => {
    const { protocol, hostname } = new URL(u);
    if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return false;
    return !['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
  });
}

describe('Bull Board in Chromium', () => {
  it('is refused without credentials', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      // Chromium gets the Basic challenge, has no credentials to answer it, and gives up.
      await expect(page.goto(`${base}/ui`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      const response = await browser.context.request.get(`${base}/ui/api/queues`);
      expect(response.status()).toBe(401);
      expect(response.headers()['www-authenticate']).toMatch(/^Basic/);
    } finally {
      await browser.close();
    }
  });

  it('shows the lane, opens the run and shows its log lines', async () => {
    const browser = await launchBrowser({
      httpCredentials: { username: 'admin', password: KEYS[0] },
      viewport: { width: 1280, height: 900 },
    });
    try {
      const { page, urls } = await recordingPage(browser);
      const response = await page.goto(`${base}/ui`);
      expect(response?.status()).toBe(200);
      await page.getByText('runs-local').first().waitFor({ timeout: 15_000 });
      await page.screenshot({ path: `${SHOTS}/benchrunner-board-overview.png`, fullPage: true });

      // Into the lane, its completed runs, then the run itself, as a person would click.
      await page.getByText('runs-local').first().click();
      await page.waitForURL(/\/ui\/queue\/runs-local/);
      await page
        .getByText(/^COMPLETED/)
        .first()
        .click();
      await page.getByText(runId).first().click();
      await page.waitForURL(new RegExp(`/ui/queue/runs-local/${runId}`), { timeout: 15_000 });
      await page.getByText('Logs', { exact: true }).first().click();
      for (const line of LOG_LINES) await page.getByText(line).first().waitFor({ timeout: 15_000 });
      await page.screenshot({ path: `${SHOTS}/benchrunner-board-run.png`, fullPage: true });
      // The waiting probe, listed with the bisection it belongs to.
      await page.goto(`${base}/ui/queue/runs-local?status=prioritized`);
      await page.getByText('run (bisection b-board)').first().waitFor({ timeout: 15_000 });
      // Nothing leaves the machine (Bull Board's link to Google Fonts is taken out of its page).
      expect(offLoopback(urls)).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('/docs in Chromium', () => {
  it('renders Swagger UI offline with the API title and the /runs operations', async () => {
    const browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, urls } = await recordingPage(browser);
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const response = await page.goto(`${base}/docs`);
      expect(response?.status()).toBe(200);
      await page.locator('.swagger-ui .info .title').getByText('benchrunner').waitFor({ timeout: 15_000 });
      const operations = page.locator('.opblock');
      await operations.first().waitFor({ timeout: 15_000 });
      const summaries = await page.locator('.opblock-summary').allInnerTexts();
      const flat = summaries.map((s) => s.replace(/\s+/g, ' '));
      for (const [method, path] of <[string, string][]>[
        ['POST', '/runs'],
        ['GET', '/runs'],
        ['GET', '/runs/{id}'],
        ['DELETE', '/runs/{id}'],
        ['GET', '/runs/{id}/logs'],
      ]) {
        expect(
          flat.some(
            (s) => s.includes(method) && new RegExp(`${path.replace(/[{}/]/g, '\\$&')}(\\s|$)`).test(s),
          ),
          `${method} ${path} in ${JSON.stringify(flat)}`,
        ).toBe(true);
      }
      await page.screenshot({ path: `${SHOTS}/benchrunner-docs.png`, fullPage: false });
      expect(errors).toEqual([]);
      expect(urls.some((u) => u.endsWith('/openapi.json'))).toBe(true);
      expect(offLoopback(urls)).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
