import { type RetryOptions, sendWithRetry } from './http.ts';
import {
  changeWithCi,
  clip,
  commitRange,
  headline,
  type MessageContext,
  pValueText,
  regressionUrl,
  type StatusChange,
  seriesLabel,
} from './message.ts';

/** Block Kit's limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = { headerText: 150, sectionText: 3000, fields: 10, fieldText: 2000 } as const;

interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}

export type SlackBlock =
  | { type: 'header'; text: TextObject & { type: 'plain_text' } }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] };

export interface SlackMessage {
  /** The notification's plain text (and what clients without blocks show). */
  text: string;
  blocks: SlackBlock[];
}

/** Escapes the three characters Slack's mrkdwn gives meaning to. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A labelled field: the label bold, the value escaped and clipped. */
export function field(label: string, value: string): TextObject {
  return { type: 'mrkdwn', text: clip(`*${label}*\n${escapeMrkdwn(value)}`, SLACK_LIMITS.fieldText) };
}

/** A status change as a Block Kit message: a header, the facts as fields, a link to the record. */
export function slackMessage(change: StatusChange, context: MessageContext): SlackMessage {
  const r = change.regression;
  const title = headline(change);
  const url = regressionUrl(context, r.id);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, SLACK_LIMITS.headerText) } },
    {
      type: 'section',
      fields: [
        field('Benchmark', seriesLabel(r)),
        field('Minion', r.series.minion),
        field('Branch', r.series.branch),
        field('Commits', commitRange(r)),
        field('Change', changeWithCi(r)),
        field('p-value', pValueText(r.pValue)),
        field('Status', change.previous ? `${change.previous} → ${r.status}` : r.status),
        field('Detector', r.detector),
      ],
    },
  ];
  return finishMessage(title, blocks, url, context);
}

/**
 * A message's end, the same for every kind: the link to the regression page (when there is a
 * public URL), the project line, and the fallback text.
 */
export function finishMessage(
  title: string,
  blocks: SlackBlock[],
  url: string | undefined,
  context: MessageContext,
): SlackMessage {
  if (url) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`<${url}|Open the regression page>`, SLACK_LIMITS.sectionText) },
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: clip(`benchrunner · ${escapeMrkdwn(context.project)}`, 2000) }],
  });
  return { text: clip(title, 3000), blocks };
}

/** POSTs a message to a Slack incoming webhook (its URL is the secret: never logged). */
export async function postSlack(
  webhookUrl: string,
  message: SlackMessage,
  retry: RetryOptions,
): Promise<void> {
  await sendWithRetry(
    {
      method: 'POST',
      url: webhookUrl,
      label: 'slack webhook',
      headers: { 'content-type': 'application/json', 'user-agent': 'benchrunner-alerts' },
      body: JSON.stringify(message),
    },
    retry,
  );
}
