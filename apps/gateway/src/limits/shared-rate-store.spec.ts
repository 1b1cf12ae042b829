import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';
import { startTestRedis, type TestRedis } from '@quartet/grpc-testing';
import { loadConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { SharedState } from '../shared-state/shared-state';
import { sharedRateStore } from './shared-rate-store';
import type { WindowCount } from './window-counts';

const MINUTE = 60_000;

function increment(store: FastifyRateLimitStore, key: string): Promise<WindowCount> {
  return new Promise((resolve, reject) =>
    store.incr(key, (error, result) => (error || !result ? reject(error) : resolve(result)), MINUTE, 10),
  );
}

describe(sharedRateStore.name, () => {
  let redis: TestRedis;
  const states: SharedState[] = [];

  /** The store of one gateway replica, on the test's Redis. */
  async function replicaStore(): Promise<{ store: FastifyRateLimitStore; metrics: GatewayMetrics }> {
    const metrics = new GatewayMetrics();
    const shared = new SharedState(loadConfig({ REDIS_URL: redis.url }), metrics);
    await shared.onModuleInit();
    states.push(shared);
    const Store = sharedRateStore(shared, 100);
    return { store: new Store({} as FastifyRateLimitOptions), metrics };
  }

  beforeAll(async () => {
    redis = await startTestRedis();
  });

  afterAll(async () => {
    await Promise.all(states.map((shared) => shared.onApplicationShutdown()));
    await redis.stop();
  });

  it('counts a key once for every replica, in one window that ends for all at once', async () => {
    const [a, b] = [await replicaStore(), await replicaStore()];
    expect(await increment(a.store, 'user:ann')).toMatchObject({ current: 1, ttl: MINUTE });
    const second = await increment(b.store, 'user:ann');
    expect(second.current).toBe(2);
    expect(second.ttl).toBeLessThanOrEqual(MINUTE);
    expect(second.ttl).toBeGreaterThan(MINUTE - 5_000);
    expect((await increment(a.store, 'user:bob')).current).toBe(1);
  });

  it('counts in the process while Redis is away, and says so in its metrics', async () => {
    const { store, metrics } = await replicaStore();
    expect((await increment(store, 'user:cat')).current).toBe(1);
    await redis.pause();
    try {
      expect((await increment(store, 'user:cat')).current).toBe(1);
      expect((await increment(store, 'user:cat')).current).toBe(2);
      const text = await metrics.registry.metrics();
      expect(text).toContain('gateway_shared_state_up 0');
      expect(text).toMatch(/gateway_shared_state_fallbacks_total\{limit="rate"\} 2/);
    } finally {
      await redis.start();
    }
  });
});
