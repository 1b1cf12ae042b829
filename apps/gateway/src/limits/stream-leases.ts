import { randomUUID } from 'node:crypto';
import { LuaScript } from '@quartet/redis';
import type { SharedState } from '../shared-state/shared-state';

const KEY_PREFIX = 'quartet:gateway:streams:';

/** The time by Redis's clock, so that replicas whose clocks disagree still agree on which leases are over. */
const NOW_MS = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)`;

/**
 * KEYS[1]: the client's leases, a sorted set scored by expiry. ARGV: lease id, limit, lease ms.
 * Drops the expired leases, then takes one if fewer than the limit are held. Returns the leases
 * held before, and 1 when one was taken.
 */
const TAKE = new LuaScript(`${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[2]) then return {held, 0} end
redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {held, 1}`);

/**
 * KEYS: the clients' lease sets; ARGV[1]: lease ms, then one lease id per key. Extends each
 * lease, and puts back one that is gone (Redis restarted or the lease ran out while Redis was
 * away): the stream it stands for is still open, so it still counts.
 */
const RENEW = new LuaScript(`${NOW_MS}
local expiry = nowMs + tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, expiry, ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS`);

export type LeaseOutcome = { readonly release: () => void } | { readonly held: number };

/**
 * One client address's stream slots, counted for every gateway replica as leases in Redis.
 * Each lease lasts `leaseMs` and is renewed every third of it while its stream is open, so
 * the slots of a replica that dies (SIGKILL, a lost node) come back within one lease.
 */
export class StreamLeases {
  private readonly owner = randomUUID();
  private taken = 0;
  /** Lease id → its client's key, for the renewals. */
  private readonly held = new Map<string, string>();
  private readonly renewer?: NodeJS.Timeout;

  constructor(
    private readonly shared: SharedState,
    private readonly leaseMs: number,
  ) {
    if (shared.client === undefined) return;
    this.renewer = setInterval(() => void this.renew(), Math.max(1, Math.floor(leaseMs / 3)));
    this.renewer.unref();
  }

  /**
   * Takes a lease on one of `client`'s `limit` slots; or says how many it already holds; or
   * undefined when Redis cannot say (no REDIS_URL, or unreachable): count locally then.
   */
  async take(client: string, limit: number): Promise<LeaseOutcome | undefined> {
    const id = `${this.owner}:${(this.taken += 1)}`;
    const key = KEY_PREFIX + client;
    const outcome = await this.shared.run('streams', async (redis) => {
      const [held, took] = (await TAKE.run(redis, [key], [id, String(limit), String(this.leaseMs)])) as [
        number,
        number,
      ];
      return { held, took: took === 1 };
    });
    if (!outcome) return undefined;
    if (!outcome.took) return { held: outcome.held };
    this.held.set(id, key);
    return { release: () => this.release(id) };
  }

  /** Stops renewing: the leases still held run out within one lease. */
  stop(): void {
    clearInterval(this.renewer);
  }

  private release(id: string): void {
    const key = this.held.get(id);
    if (key === undefined) return;
    this.held.delete(id);
    void this.shared.run('streams', (redis) => redis.zRem(key, id));
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const ids = [...this.held.keys()];
    await this.shared.run('streams', (redis) =>
      RENEW.run(
        redis,
        ids.map((id) => this.held.get(id) as string),
        [String(this.leaseMs), ...ids],
      ),
    );
  }
}
