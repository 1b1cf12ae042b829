import type { Readable } from 'node:stream';

export interface BodyRateLimits {
  /** The slowest a body may arrive, averaged over one window. */
  readonly minBytesPerSecond: number;
  readonly windowMs: number;
}

/**
 * Watches a request body for a sender that trickles it (slowloris on the body): in each
 * window the body must bring `minBytesPerSecond` on average, or `onTooSlow` runs once. A
 * window in which the gateway itself paused the body (its backend was slow) does not
 * count against the sender. Returns the function that stops watching.
 */
export function guardBodyRate(
  body: Readable,
  limits: BodyRateLimits,
  onTooSlow: (receivedInWindow: number) => void,
): () => void {
  const needed = (limits.minBytesPerSecond * limits.windowMs) / 1000;
  let received = 0;
  let pausedInWindow = body.isPaused();
  const onData = (chunk: Buffer) => (received += chunk.length);
  const onPause = () => (pausedInWindow = true);
  const timer = setInterval(() => {
    if (!pausedInWindow && received < needed) {
      stop();
      onTooSlow(received);
      return;
    }
    received = 0;
    pausedInWindow = body.isPaused();
  }, limits.windowMs);
  body.on('data', onData);
  body.on('pause', onPause);
  function stop(): void {
    clearInterval(timer);
    body.off('data', onData);
    body.off('pause', onPause);
  }
  body.once('close', stop);
  return stop;
}
