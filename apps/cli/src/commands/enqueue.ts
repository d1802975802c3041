import type { Command, CommandContext } from '../cli.ts';
import { UsageError } from '../cli.ts';
import { RUN_SELECTION_OPTIONS, runSelection, stringOption } from '../options.ts';

/** The API's address and key: from the environment, so the key never shows in a process list. */
function api(context: CommandContext): { url: string; headers: Record<string, string> } {
  const url = (context.env.BENCHRUNNER_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const key = context.env.BENCHRUNNER_KEY;
  if (!key)
    throw new UsageError(
      'set BENCHRUNNER_KEY to an API key (and BENCHRUNNER_URL if the API is not at http://127.0.0.1:3000)',
    );
  return { url, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } };
}

async function call(context: CommandContext, method: string, route: string, body?: unknown): Promise<number> {
  const { url, headers } = api(context);
  let response: Response;
  try {
    response = await fetch(`${url}${route}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    context.stderr(
      `benchrunner: cannot reach the API at ${url}: ${(error as Error).cause ?? (error as Error).message}\n`,
    );
    return 1;
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: string } };
      message = parsed.error?.message ?? text;
    } catch {
      // Not our JSON: show the body as it is.
    }
    context.stderr(`benchrunner: ${method} ${route} answered ${response.status}: ${message}\n`);
    return 1;
  }
  context.stdout(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  return 0;
}

/** `benchrunner enqueue`: POST /runs on a running API. */
export const enqueueCommand: Command = {
  name: 'enqueue',
  summary: 'queue a run on a running API (BENCHRUNNER_URL, BENCHRUNNER_KEY)',
  positionals: [],
  options: {
    commit: { type: 'string', valueName: 'REF', description: 'commit sha or ref (required)' },
    ...RUN_SELECTION_OPTIONS,
    minion: { type: 'string', valueName: 'NAME', description: 'the minion (default: the first)' },
    priority: { type: 'string', valueName: 'CLASS', description: 'manual (default), ci, bisect or nightly' },
  },
  run({ options }, context) {
    const commit = stringOption(options, 'commit');
    if (!commit) throw new UsageError("option '--commit' is required");
    const body: Record<string, unknown> = { commit, ...runSelection(options) };
    for (const key of ['minion', 'tag', 'priority']) {
      const value = stringOption(options, key);
      if (value !== undefined) body[key] = value;
    }
    return call(context, 'POST', '/runs', body);
  },
};

/** `benchrunner status [ID]`: one run, or the latest runs and the lanes. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'show a run (with an id) or the latest runs, from a running API',
  positionals: [{ name: 'ID', description: 'a run id', optional: true }],
  options: {},
  async run({ positionals }, context) {
    const id = positionals[0];
    if (id) return call(context, 'GET', `/runs/${encodeURIComponent(id)}`);
    return call(context, 'GET', '/runs?limit=10');
  },
};
