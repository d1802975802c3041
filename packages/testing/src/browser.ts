import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';

/** Debian's Chromium: playwright cannot download its own browser on these machines. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags that make Chromium start headless as root on a machine without a GPU or internet: without
 * the background-networking ones it tries Google's hosts at every start and many connections are
 * refused by the closed network.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserFixture {
  /** A browser context on a fresh profile; open pages with `context.newPage()`. */
  context: BrowserContext;
  /** The profile folder, removed by close(). */
  userDataDir: string;
  /** Closes Chromium and removes its profile. */
  close(): Promise<void>;
}

/**
 * Starts Debian's Chromium through playwright-core on a fresh, empty `--user-data-dir`.
 * `options` are the context's (e.g. `httpCredentials` for basic auth, `viewport`).
 */
export async function launchBrowser(
  options: BrowserContextOptions & { executablePath?: string } = {},
): Promise<BrowserFixture> {
  const { executablePath = process.env.CHROMIUM_PATH ?? CHROMIUM_PATH, ...contextOptions } = options;
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-chromium-'));
  let context: BrowserContext;
  try {
    // A persistent context is how playwright passes --user-data-dir (it refuses the flag in args).
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
      ...contextOptions,
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw new Error(`could not start Chromium at ${executablePath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    context,
    userDataDir,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
