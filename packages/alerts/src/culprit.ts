import type { Bisection, Culprit, Regression } from '@benchrunner/results-db';
import type { CommitStatus } from './github.ts';
import { contextOf } from './github.ts';
import {
  changeWithCi,
  clip,
  commitRange,
  type MessageContext,
  percent,
  regressionUrl,
  seriesLabel,
  shortSha,
} from './message.ts';
import { field, finishMessage, SLACK_LIMITS, type SlackBlock, type SlackMessage } from './slack.ts';

/** A bisection that ended `done`, with the culprit it named. */
export interface CulpritFound {
  regression: Regression;
  bisection: Bisection;
  culprit: Culprit;
}

/** `abc1234`: the seven characters of a sha people read (git's default abbreviation). */
function sha7(commit: string): string {
  return /^[0-9a-f]{40}$/.test(commit) ? commit.slice(0, 7) : commit;
}

/** `Culprit of add file latency +20.0 %: abc1234 Make add slower`. */
function culpritHeadline({ regression, culprit }: CulpritFound): string {
  return `Culprit of ${seriesLabel(regression)} ${percent(regression.change)}: ${sha7(culprit.sha)} ${culprit.subject}`;
}

/** What the generic webhook receives when a bisection names the culprit (`regression.culprit`). */
export function culpritPayload(found: CulpritFound, context: MessageContext, delivery: string) {
  const { regression, bisection, culprit } = found;
  const url = regressionUrl(context, regression.id);
  return {
    event: 'regression.culprit' as const,
    delivery,
    project: context.project,
    culprit,
    bisection: {
      id: bisection.id,
      good: bisection.good,
      bad: bisection.bad,
      commits: bisection.commits,
      probes: bisection.probes.length,
    },
    regression,
    ...(url ? { url } : {}),
  };
}

/** The culprit as a Block Kit message: who and what, the regression's figures, a link to its page. */
export function culpritSlackMessage(found: CulpritFound, context: MessageContext): SlackMessage {
  const { regression: r, bisection, culprit } = found;
  const title = culpritHeadline(found);
  const url = regressionUrl(context, r.id);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, SLACK_LIMITS.headerText) } },
    {
      type: 'section',
      fields: [
        field('Culprit', `${sha7(culprit.sha)}${culprit.merge ? ' (merge)' : ''}`),
        field('Subject', culprit.subject),
        field('Author', culprit.author),
        field('Benchmark', seriesLabel(r)),
        field('Minion', `${r.series.minion} (${r.series.branch})`),
        field('Change', changeWithCi(r)),
        field(
          'Range bisected',
          `${commitRange(r)}: ${bisection.commits} commits, ${bisection.probes.length} probes`,
        ),
        ...(culprit.merge && culprit.merged.length > 0
          ? [field('Merged commits', culprit.merged.map(shortSha).join(' '))]
          : []),
      ].slice(0, SLACK_LIMITS.fields),
    },
  ];
  return finishMessage(title, blocks, url, context);
}

/**
 * The commit statuses that move a regression's status to its culprit, in the order sent: on the
 * culprit, `failure` for a regression (`success` for an improvement or change) in the same context
 * as the first bad commit's; then, when the culprit is another commit, the first bad commit's
 * status in that context becomes `success`, "culprit is <sha7>": it only showed the change.
 */
export function culpritStatuses(
  found: CulpritFound,
  targetUrl?: string,
): { sha: string; status: CommitStatus }[] {
  const { regression: r, culprit } = found;
  const context = clip(`benchrunner/${contextOf(r)}`, 100);
  const link = targetUrl ? { target_url: targetUrl } : {};
  const statuses = [
    {
      sha: culprit.sha,
      status: {
        state: r.kind === 'regression' ? ('failure' as const) : ('success' as const),
        description: clip(`${r.kind} ${percent(r.change)} starts here (bisected): ${culprit.subject}`, 140),
        context,
        ...link,
      },
    },
  ];
  if (culprit.sha !== r.firstBad.commit) {
    statuses.push({
      sha: r.firstBad.commit,
      status: {
        state: 'success',
        description: clip(`culprit is ${sha7(culprit.sha)}: ${culprit.subject}`, 140),
        context,
        ...link,
      },
    });
  }
  return statuses;
}
