import type { AlertsSpec, Logger } from '@benchrunner/core';
import type { Bisection, Regression, RegressionStatus } from '@benchrunner/results-db';
import { culpritPayload, culpritSlackMessage, culpritStatuses } from './culprit.ts';
import type { DeliveryLog } from './delivery-log.ts';
import { commitStatusOf, GitHubClient, type GitHubConfig, reportStatus } from './github.ts';
import { DeliveryRejectedError, type RetryOptions } from './http.ts';
import { type MessageContext, regressionUrl, type StatusChange } from './message.ts';
import { type PullRequestReport, reportMarkdown, reportMarker } from './pr-report.ts';
import { postSlack, type SlackMessage, slackMessage } from './slack.ts';
import { postWebhook, reportPayload, statusPayload, type WebhookConfig } from './webhook.ts';

/** Statuses sent unless the suite or the environment says otherwise. */
export const DEFAULT_ALERT_ON: readonly RegressionStatus[] = ['confirmed', 'fixed'];

/** The channels configured by the environment; each is optional. */
export interface AlertChannels {
  webhook?: WebhookConfig;
  /** A Slack incoming webhook URL. */
  slackUrl?: string;
  /** `repository`: `owner/name` for every suite (GITHUB_REPOSITORY). */
  github?: GitHubConfig & { repository?: string };
}

export interface NotifierOptions {
  channels: AlertChannels;
  deliveries: DeliveryLog;
  logger: Logger;
  context: MessageContext;
  /** Statuses sent (ALERT_ON); the suite's `alerts.on` wins. Default {@link DEFAULT_ALERT_ON}. */
  on?: readonly RegressionStatus[];
  /** The suite's `alerts` settings. */
  suite?: AlertsSpec;
  /** `owner/name` derived from the suite's target URL, the last resort for GitHub. */
  targetRepository?: string | null;
  retry?: RetryOptions;
}

/** What one call delivered: channel names sent, already sent before, refused by the receiver. */
export interface AlertOutcome {
  sent: string[];
  skipped: string[];
  rejected: string[];
}

/** Channels that still failed after their retries; the call may be made again (what was sent stays sent). */
export class AlertDeliveryError extends Error {
  override name = 'AlertDeliveryError';
}

/**
 * Sends regression status changes and pull request reports to the configured channels. Each
 * delivery (channel, record, status) is made once: the {@link DeliveryLog} remembers it across
 * restarts, so callers may call again after a failure or a crash.
 */
export class Notifier {
  private readonly github: GitHubClient | undefined;
  /** Reports of one pull request are written one at a time (list, then edit or create). */
  private readonly commentQueue = new Map<string, Promise<unknown>>();

  constructor(private readonly options: NotifierOptions) {
    const { github } = options.channels;
    this.github =
      github && options.suite?.github !== false ? new GitHubClient(github, options.retry ?? {}) : undefined;
  }

  /** The statuses this notifier sends. */
  get sends(): readonly RegressionStatus[] {
    return this.options.suite?.on ?? this.options.on ?? DEFAULT_ALERT_ON;
  }

  private repository(extra?: string | null): string | null {
    const suite = this.options.suite?.github;
    return (
      (suite ? suite.repository : undefined) ??
      this.options.channels.github?.repository ??
      extra ??
      this.options.targetRepository ??
      null
    );
  }

  private githubOption(name: 'statuses' | 'pullRequests'): boolean {
    const suite = this.options.suite?.github;
    return suite === false ? false : (suite?.[name] ?? true);
  }

  /**
   * A regression record reached `regression.status` (from `previous`, null for a new record).
   * Sends it to every channel when the status is one of {@link sends}; otherwise does nothing.
   * @throws AlertDeliveryError when a channel failed after its retries (others are delivered).
   */
  async statusChanged(regression: Regression, previous: RegressionStatus | null): Promise<AlertOutcome> {
    const outcome: AlertOutcome = { sent: [], skipped: [], rejected: [] };
    if (!this.sends.includes(regression.status)) return outcome;
    const change: StatusChange = { regression, previous };
    const { context } = this.options;
    const key = (channel: string) => `${channel}:${regression.id}:${regression.status}`;
    const failures: string[] = [];
    const jobs = this.webhookAndSlack(
      key,
      'regression.status',
      (id) => statusPayload(change, context, id),
      () => slackMessage(change, context),
      outcome,
      failures,
    );
    const github = this.github;
    const repository = this.repository();
    if (github && this.githubOption('statuses')) {
      if (!repository) {
        this.options.logger.warn(
          { regression: regression.id },
          'GitHub status not sent: no repository (set GITHUB_REPOSITORY or alerts.github.repository)',
        );
      } else {
        const url = regressionUrl(context, regression.id);
        jobs.push(
          this.once(key('github-status'), 'github-status', outcome, failures, () =>
            github.createStatus(repository, regression.firstBad.commit, commitStatusOf(change, url)),
          ),
        );
      }
    }
    await Promise.all(jobs);
    return this.finish(outcome, failures, { regression: regression.id, status: regression.status });
  }

  /**
   * A bisection of the record ended `done`: its culprit goes to every channel once per record and
   * culprit (the generic webhook's `regression.culprit`, a Slack message, and on GitHub the
   * record's commit status moves to the culprit, see {@link culpritStatuses}), whatever ALERT_ON
   * says. A bisection that did not end `done` sends nothing.
   * @throws AlertDeliveryError when a channel failed after its retries (call again later).
   */
  async culpritFound(regression: Regression, bisection: Bisection): Promise<AlertOutcome> {
    const outcome: AlertOutcome = { sent: [], skipped: [], rejected: [] };
    const culprit = bisection.culprit;
    if (bisection.status !== 'done' || !culprit) return outcome;
    const found = { regression, bisection, culprit };
    const { context } = this.options;
    const key = (channel: string) => `${channel}:${regression.id}:culprit:${culprit.sha}`;
    const failures: string[] = [];
    const jobs = this.webhookAndSlack(
      key,
      'regression.culprit',
      (id) => culpritPayload(found, context, id),
      () => culpritSlackMessage(found, context),
      outcome,
      failures,
    );
    const github = this.github;
    const repository = this.repository();
    if (github && repository && this.githubOption('statuses')) {
      const statuses = culpritStatuses(found, regressionUrl(context, regression.id));
      jobs.push(
        this.once(key('github-status'), 'github-status', outcome, failures, async () => {
          // Both again on a retry: a commit status is the latest one of its context.
          for (const { sha, status } of statuses) await github.createStatus(repository, sha, status);
        }),
      );
    }
    await Promise.all(jobs);
    return this.finish(outcome, failures, { regression: regression.id, culprit: culprit.sha });
  }

  /**
   * Reports a pull request run, regression or not: the one comment of the pull request (edited in
   * place), a commit status on its head, and a `pull_request.report` event to the generic webhook.
   * `repository`: where the pull request lives, when the run's trigger said (the webhook's).
   * @throws AlertDeliveryError when a channel failed after its retries.
   */
  async pullRequestRun(
    report: PullRequestReport,
    options: { repository?: string | null; runUrl?: string } = {},
  ): Promise<AlertOutcome> {
    const outcome: AlertOutcome = { sent: [], skipped: [], rejected: [] };
    const { context } = this.options;
    const key = (channel: string) => `${channel}:run:${report.runId}`;
    const failures: string[] = [];
    const jobs = this.webhookAndSlack(
      key,
      'pull_request.report',
      (id) => reportPayload(report, context, id),
      null,
      outcome,
      failures,
    );
    const github = this.github;
    const repository = this.repository(options.repository);
    if (github && this.githubOption('pullRequests')) {
      if (!repository) {
        this.options.logger.warn(
          { runId: report.runId },
          'pull request report not sent to GitHub: no repository (set GITHUB_REPOSITORY or alerts.github.repository)',
        );
      } else {
        const body = reportMarkdown(report, context.project, options.runUrl);
        const marker = reportMarker(context.project, report.minion);
        const thread = `${repository}#${report.pullRequest.number}`;
        jobs.push(
          this.once(key('github-comment'), 'github-comment', outcome, failures, () =>
            this.serially(thread, () =>
              github.upsertComment(repository, report.pullRequest.number, marker, body),
            ),
          ),
        );
        if (report.base && /^[0-9a-f]{40}$/.test(report.commit)) {
          jobs.push(
            this.once(key('github-status'), 'github-status', outcome, failures, () =>
              github.createStatus(
                repository,
                report.commit,
                reportStatus(report.counts, report.pullRequest.baseBranch, report.minion),
              ),
            ),
          );
        }
      }
    }
    await Promise.all(jobs);
    return this.finish(outcome, failures, { runId: report.runId, pullRequest: report.pullRequest.number });
  }

  private async serially<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.commentQueue.get(key) ?? Promise.resolve();
    const next = before.catch(() => undefined).then(task);
    this.commentQueue.set(key, next);
    try {
      return await next;
    } finally {
      if (this.commentQueue.get(key) === next) this.commentQueue.delete(key);
    }
  }

  /**
   * The generic webhook's `event` and, when `slack` is given, a Slack message: each channel once
   * per `key(channel)`. Answers the deliveries under way.
   */
  private webhookAndSlack(
    key: (channel: string) => string,
    event: string,
    payload: (delivery: string) => unknown,
    slack: (() => SlackMessage) | null,
    outcome: AlertOutcome,
    failures: string[],
  ): Promise<void>[] {
    const { channels, suite } = this.options;
    const retry = this.options.retry ?? {};
    const jobs: Promise<void>[] = [];
    const webhook = channels.webhook;
    if (webhook && suite?.webhook !== false) {
      jobs.push(
        this.once(key('webhook'), 'webhook', outcome, failures, () =>
          postWebhook(webhook, key('webhook'), event, payload, retry),
        ),
      );
    }
    const slackUrl = channels.slackUrl;
    if (slack && slackUrl && suite?.slack !== false) {
      jobs.push(
        this.once(key('slack'), 'slack', outcome, failures, () => postSlack(slackUrl, slack(), retry)),
      );
    }
    return jobs;
  }

  private async once(
    key: string,
    channel: string,
    outcome: AlertOutcome,
    failures: string[],
    send: () => Promise<unknown>,
  ): Promise<void> {
    const claim = await this.options.deliveries.claim(key);
    if (claim === 'delivered') {
      outcome.skipped.push(channel);
      return;
    }
    if (claim === 'in-flight') {
      // Not known to be delivered: the caller tries again later, by when it is, or the claim of a
      // worker that died sending it has lapsed.
      failures.push(`${channel}: being delivered by another worker`);
      return;
    }
    try {
      await send();
    } catch (error) {
      await this.options.deliveries.release(key);
      // A refusal (4xx) would be refused again: reported, not retried.
      if (error instanceof DeliveryRejectedError) outcome.rejected.push(channel);
      else failures.push(`${channel}: ${(error as Error).message}`);
      this.options.logger.error({ channel, key, err: error }, 'alert not delivered');
      return;
    }
    await this.options.deliveries.delivered(key);
    outcome.sent.push(channel);
  }

  private finish(outcome: AlertOutcome, failures: string[], about: Record<string, unknown>): AlertOutcome {
    if (outcome.sent.length > 0) this.options.logger.info({ ...about, channels: outcome.sent }, 'alert sent');
    if (failures.length > 0) throw new AlertDeliveryError(`alerts not delivered: ${failures.join('; ')}`);
    return outcome;
  }
}
