import { type RetryOptions, sendWithRetry } from './http.ts';
import type { MessageContext, StatusChange } from './message.ts';
import { regressionUrl } from './message.ts';
import type { PullRequestReport } from './pr-report.ts';
import { DELIVERY_HEADER, deliveryId, EVENT_HEADER, SIGNATURE_HEADER, signBody } from './signature.ts';

/** The generic webhook: where to send and the secret that signs each body. */
export interface WebhookConfig {
  url: string;
  secret: string;
}

/** What the generic webhook receives for a status change (`X-Benchrunner-Event: regression.status`). */
export function statusPayload(change: StatusChange, context: MessageContext, delivery: string) {
  const url = regressionUrl(context, change.regression.id);
  return {
    event: 'regression.status' as const,
    delivery,
    project: context.project,
    status: change.regression.status,
    previousStatus: change.previous,
    regression: change.regression,
    ...(url ? { url } : {}),
  };
}

/** What the generic webhook receives for a pull request run (`X-Benchrunner-Event: pull_request.report`). */
export function reportPayload(report: PullRequestReport, context: MessageContext, delivery: string) {
  return { event: 'pull_request.report' as const, delivery, project: context.project, ...report };
}

/** POSTs a JSON event, signed, with the delivery id derived from `key`; retried per `retry`. */
export async function postWebhook(
  config: WebhookConfig,
  key: string,
  event: string,
  payload: (delivery: string) => unknown,
  retry: RetryOptions,
): Promise<void> {
  const delivery = deliveryId(key);
  const body = JSON.stringify(payload(delivery));
  await sendWithRetry(
    {
      method: 'POST',
      url: config.url,
      label: `webhook ${new URL(config.url).host}`,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'benchrunner-alerts',
        [EVENT_HEADER]: event,
        [DELIVERY_HEADER]: delivery,
        [SIGNATURE_HEADER]: signBody(config.secret, body),
      },
      body,
    },
    retry,
  );
}
