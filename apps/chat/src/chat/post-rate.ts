/**
 * How fast one member may post: CHAT_POSTS_PER_SECOND on average, in bursts of up to twice
 * that (a token bucket). Time is monotonic, so that a clock set back neither refills nor
 * drains it.
 */
export class PostRate {
  readonly burst: number;
  private tokens: number;
  private filledAt: number;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.burst = perSecond * 2;
    this.tokens = this.burst;
    this.filledAt = now();
  }

  /** Takes one post's token: false when the member is over its rate. */
  take(): boolean {
    const at = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((at - this.filledAt) / 1000) * this.perSecond);
    this.filledAt = at;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
