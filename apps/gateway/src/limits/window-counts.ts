/** A key's count in its current fixed window, and the milliseconds until that window ends. */
export interface WindowCount {
  readonly current: number;
  readonly ttl: number;
}

/**
 * Fixed-window counts in this process, for at most `capacity` keys (the oldest window is
 * forgotten first), so that a flood of new keys cannot grow it without bound.
 */
export class WindowCounts {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly capacity: number) {}

  increment(key: string, windowMs: number, now = Date.now()): WindowCount {
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      this.windows.delete(key);
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
      if (this.windows.size > this.capacity) this.windows.delete(this.windows.keys().next().value as string);
    }
    window.count += 1;
    return { current: window.count, ttl: window.endsAt - now };
  }
}
