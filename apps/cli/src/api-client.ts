import type { CommandContext } from './cli.ts';
import { UsageError } from './cli.ts';

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

/**
 * One request to a running API. Answers the parsed JSON body, or `undefined` after printing one
 * line that says why not (unreachable, or the API's own error message).
 */
export async function apiRequest(
  context: CommandContext,
  method: string,
  route: string,
  body?: unknown,
): Promise<unknown> {
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
    return undefined;
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
    return undefined;
  }
  return JSON.parse(text);
}
