import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { LuaScript } from '@quartet/redis';
import type { SharedState } from '../shared-state/shared-state';
import { type WindowCount, WindowCounts } from './window-counts';

const KEY_PREFIX = 'quartet:gateway:rate:';

/** INCR in a fixed window that starts with the key's first request; PTTL is the window's rest. */
const INCREMENT_IN_WINDOW = new LuaScript(`
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if current == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}`);

/**
 * A @fastify/rate-limit store that counts in Redis for every gateway replica, and in this
 * process without REDIS_URL or while Redis cannot be reached (see SharedState: limits fail open).
 */
export function sharedRateStore(shared: SharedState, capacity: number): FastifyRateLimitStoreCtor {
  const local = new WindowCounts(capacity);
  return class SharedRateStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: WindowCount) => void,
      timeWindow: number,
    ): void {
      void shared
        .run('rate', async (client) => {
          const [current, ttl] = (await INCREMENT_IN_WINDOW.run(
            client,
            [KEY_PREFIX + key],
            [String(timeWindow)],
          )) as [number, number];
          return { current, ttl };
        })
        .then((counted) => callback(null, counted ?? local.increment(key, timeWindow)));
    }

    // One key space for every route: the keys already say whose budget they count.
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
