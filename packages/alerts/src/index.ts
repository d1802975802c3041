export { latestRunOf } from './base-run.ts';
export type { CulpritFound } from './culprit.ts';
export type { DeliveryLog } from './delivery-log.ts';
export { redisDeliveryLog } from './delivery-log.ts';
export type { CommitStatus, GitHubConfig } from './github.ts';
export { commitStatusOf, GitHubClient, repositoryFromUrl } from './github.ts';
export type { HttpRequest, RetryOptions } from './http.ts';
export { DeliveryFailedError, DeliveryRejectedError, sendWithRetry } from './http.ts';
export type { MessageContext, StatusChange } from './message.ts';
export { headline, regressionUrl } from './message.ts';
export type { AlertChannels, AlertOutcome, NotifierOptions } from './notifier.ts';
export { AlertDeliveryError, DEFAULT_ALERT_ON, Notifier } from './notifier.ts';
export type { PullRequestReport, ReportRow } from './pr-report.ts';
export { pullRequestOf, pullRequestReport, reportMarkdown, reportMarker } from './pr-report.ts';
export {
  DELIVERY_HEADER,
  deliveryId,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signBody,
  verifySignature,
} from './signature.ts';
export type { SlackBlock, SlackMessage } from './slack.ts';
export { SLACK_LIMITS, slackMessage } from './slack.ts';
export type { WebhookConfig } from './webhook.ts';
