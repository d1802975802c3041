import { apiRequest } from '../api-client.ts';
import type { Command, CommandContext } from '../cli.ts';
import { UsageError } from '../cli.ts';
import { RUN_SELECTION_OPTIONS, runSelection, stringOption } from '../options.ts';

async function call(context: CommandContext, method: string, route: string, body?: unknown): Promise<number> {
  const answer = await apiRequest(context, method, route, body);
  if (answer === undefined) return 1;
  context.stdout(`${JSON.stringify(answer, null, 2)}\n`);
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
