const DELAYS_MS = [500, 1_000, 2_000, 5_000, 10_000];

/**
 * How long the page waits before it reconnects a stream that broke off (the ticker's SSE, the
 * chat's WebSocket): quick at first, slower while the failures go on, and quick again once a
 * connection has worked. A delay the server asked for (SSE `retry:`) comes first.
 */
export class Backoff {
  private failures = 0;

  next(askedMs?: number): number {
    const delay = askedMs ?? DELAYS_MS[Math.min(this.failures, DELAYS_MS.length - 1)];
    this.failures += 1;
    return delay as number;
  }

  reset(): void {
    this.failures = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
