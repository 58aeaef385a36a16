import type { WebhookRequest } from './webhook-request.js';

/** How one POST went. `error` says why it failed, in words fit for a log (no secret in it). */
export type DeliveryOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * POSTs one webhook request and waits at most `timeoutMs` for the answer's status, or until
 * `stop` aborts (shutdown). A 2xx answer is a delivery; anything else (another status, a
 * redirect, which is not followed, a timeout, no connection) is a failure to retry. Never throws.
 */
export async function postWebhook(request: WebhookRequest, timeoutMs: number, stop?: AbortSignal): Promise<DeliveryOutcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      // Following a redirect would re-send the signed body somewhere the app did not name.
      redirect: 'manual',
      signal: stop === undefined ? timeout : AbortSignal.any([timeout, stop]),
    });
  } catch (error) {
    if (stop?.aborted) return { ok: false, error: 'stopped at shutdown' };
    return { ok: false, error: describeFailure(error, timeoutMs) };
  }
  // The answer's body is of no interest; cancelling frees the connection for the next request.
  // It can only fail on a stream that already broke, which changes nothing about the status.
  await response.body?.cancel().catch(() => undefined);
  if (response.status >= 200 && response.status < 300) return { ok: true };
  return { ok: false, error: `HTTP ${response.status}` };
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  // fetch wraps the socket error (ECONNREFUSED, ENOTFOUND, ...) as its cause.
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
