import type { Regression } from '@benchrunner/results-db';
import { type RetryOptions, sendWithRetry } from './http.ts';
import { clip, headline, type StatusChange } from './message.ts';

/** GitHub's REST API: the base URL (GitHub Enterprise: `https://HOST/api/v3`) and a token. */
export interface GitHubConfig {
  apiUrl: string;
  token: string;
}

/** `owner/name` of a GitHub URL (`https://host/owner/name(.git)`, `git@host:owner/name.git`), else null. */
export function repositoryFromUrl(url: string): string | null {
  const scp = /^[\w.-]+@[\w.-]+:([\w.-]+)\/([\w.-]+?)(\.git)?\/?$/.exec(url);
  if (scp) return `${scp[1]}/${scp[2]}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(parsed.protocol)) return null;
  const parts = parsed.pathname
    .replace(/\.git\/?$/, '')
    .split('/')
    .filter(Boolean);
  return parts.length === 2 ? `${parts[0]}/${parts[1]}` : null;
}

/** A commit status: GitHub's states, at most 140 characters of description. */
export interface CommitStatus {
  state: 'error' | 'failure' | 'pending' | 'success';
  description: string;
  context: string;
  target_url?: string;
}

/** The commit status a record's status change sets on its first bad commit. */
export function commitStatusOf(change: StatusChange, targetUrl?: string): CommitStatus {
  const r = change.regression;
  const state: CommitStatus['state'] =
    r.status === 'suspected' || r.status === 'confirming'
      ? 'pending'
      : r.status === 'confirmed' && r.kind === 'regression'
        ? 'failure'
        : 'success';
  return {
    state,
    description: clip(headline(change), 140),
    context: clip(`benchrunner/${contextOf(r)}`, 100),
    ...(targetUrl ? { target_url: targetUrl } : {}),
  };
}

/** The status context of a record's series: one per result, measure and minion. */
export function contextOf(r: Regression): string {
  return `${r.series.result} ${r.series.measure} (${r.series.minion})`;
}

interface Comment {
  id: number;
  body?: string;
}

/** The few REST calls alerts make, with retries; `repository` is `owner/name`. */
export class GitHubClient {
  constructor(
    private readonly config: GitHubConfig,
    private readonly retry: RetryOptions,
  ) {}

  private async call(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<unknown> {
    const response = await sendWithRetry(
      {
        method,
        url: `${this.config.apiUrl.replace(/\/+$/, '')}${path}`,
        label: `GitHub ${method} ${path.split('?')[0]}`,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.config.token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'benchrunner-alerts',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      },
      this.retry,
    );
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  private repo(repository: string): string {
    const [owner, name] = repository.split('/');
    return `/repos/${encodeURIComponent(owner ?? '')}/${encodeURIComponent(name ?? '')}`;
  }

  async createStatus(repository: string, sha: string, status: CommitStatus): Promise<void> {
    await this.call('POST', `${this.repo(repository)}/statuses/${encodeURIComponent(sha)}`, status);
  }

  /**
   * Writes `body` as the one comment of the pull request that contains `marker`: edits it when it
   * exists (the first found), else creates it. Returns the comment's id.
   */
  async upsertComment(repository: string, issue: number, marker: string, body: string): Promise<number> {
    const base = `${this.repo(repository)}/issues`;
    for (let page = 1; page <= 100; page++) {
      const comments = (await this.call(
        'GET',
        `${base}/${issue}/comments?per_page=100&page=${page}`,
      )) as Comment[];
      const mine = comments.find((c) => c.body?.includes(marker));
      if (mine) {
        await this.call('PATCH', `${base}/comments/${mine.id}`, { body });
        return mine.id;
      }
      if (comments.length < 100) break;
    }
    const created = (await this.call('POST', `${base}/${issue}/comments`, { body })) as Comment;
    return created.id;
  }
}

/** The status of a pull request's head commit after its report: failure when something regressed. */
export function reportStatus(
  counts: { regressed: number; improved: number },
  baseBranch: string,
  minion: string,
): CommitStatus {
  return {
    state: counts.regressed > 0 ? 'failure' : 'success',
    description: clip(
      `${counts.regressed} regressed, ${counts.improved} improved against ${baseBranch}`,
      140,
    ),
    context: clip(`benchrunner/pull-request (${minion})`, 100),
  };
}
