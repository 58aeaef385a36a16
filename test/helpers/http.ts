/** What an HTTP request answered. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** Sends a request and reads the answer, parsing JSON bodies. */
export async function request(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** An `Authorization` header for HTTP Basic. */
export function basicAuth(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

/**
 * Re-checks `check` until it passes or `timeoutMs` runs out, for state the server reaches a
 * moment after the event a test can wait for (e.g. a closed connection being cleaned up).
 */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
