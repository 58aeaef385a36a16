/**
 * Waits until `condition` holds, checking on every turn of the event loop's timers (for state
 * that has no event to wait on, such as server-side counts after sockets close).
 */
export async function waitUntil(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
