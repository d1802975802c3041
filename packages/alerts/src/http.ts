/** A delivery the receiver refused (3xx, 4xx other than 408 and 429): sending it again would not help. */
export class DeliveryRejectedError extends Error {
  override name = 'DeliveryRejectedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A delivery that still failed (5xx, 408, 429 or a network error) after every attempt. */
export class DeliveryFailedError extends Error {
  override name = 'DeliveryFailedError';
}

/** How {@link sendWithRetry} retries. */
export interface RetryOptions {
  /** Attempts in all; default 5. */
  attempts?: number;
  /** Wait before the second attempt, doubled before each next one; default 1000 ms. */
  baseDelayMs?: number;
  /** Longest wait between attempts; default 30 s. */
  maxDelayMs?: number;
  /** Time limit of one attempt; default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Names the request in errors, without secrets (a Slack webhook URL is one). */
  label: string;
}

const RETRY_STATUS = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * Sends a request, retrying network errors, timeouts and 5xx (also 408 and 429) with an exponential
 * backoff; answers any other status at once. Returns the response of a 2xx.
 * @throws DeliveryRejectedError on a 3xx or 4xx; DeliveryFailedError when no attempt succeeded.
 */
export async function sendWithRetry(request: HttpRequest, options: RetryOptions = {}): Promise<Response> {
  const { attempts = 5, baseDelayMs = 1000, maxDelayMs = 30_000, timeoutMs = 10_000, signal } = options;
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    signal?.throwIfAborted();
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        redirect: 'manual',
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
          : AbortSignal.timeout(timeoutMs),
      });
      if (response.status < 300) return response;
      if (response.status < 400) {
        // Redirects are not followed (a signed body must not go elsewhere): the URL needs fixing.
        throw new DeliveryRejectedError(
          `${request.label}: HTTP ${response.status} redirect to ${response.headers.get('location') ?? '?'} not followed`,
          response.status,
        );
      }
      const text = (await response.text().catch(() => '')).slice(0, 300);
      if (!RETRY_STATUS(response.status)) {
        throw new DeliveryRejectedError(
          `${request.label}: HTTP ${response.status}${text ? `: ${text}` : ''}`,
          response.status,
        );
      }
      last = `HTTP ${response.status}${text ? `: ${text}` : ''}`;
    } catch (error) {
      if (error instanceof DeliveryRejectedError) throw error;
      signal?.throwIfAborted();
      last = (error as Error).message;
    }
    if (attempt < attempts) {
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  throw new DeliveryFailedError(`${request.label}: failed ${attempts} times, last: ${last}`);
}
