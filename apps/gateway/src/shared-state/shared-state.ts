import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { redisClient } from '@quartet/redis';
import type { RedisClientType } from 'redis';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';

/** How long start-up waits for Redis before it serves with local counts. */
const START_WAIT_MS = 2_000;

/** How long a limit waits for Redis before it counts locally instead: a request must not wait on a slow Redis. */
const COMMAND_TIMEOUT_MS = 250;

/**
 * The Redis every gateway replica shares its state in (REDIS_URL), over one connection: request
 * and session rates, upload quotas, stream slots, and the sign-outs (RevokedTokens, which
 * subscribes on a connection of its own). Without REDIS_URL there is none, and each limit
 * counts in this process alone.
 *
 * Limits fail open, on purpose: while Redis cannot be reached or answers slower than
 * COMMAND_TIMEOUT_MS, each limit counts in this process, so a user may get up to the limit
 * once per replica, and the gateway keeps serving. An outage of the limits' store must not
 * become an outage of the product; it is logged once as it starts and once as it ends, and
 * `gateway_shared_state_up` and `gateway_shared_state_fallbacks_total` show it.
 */
@Injectable()
export class SharedState implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SharedState.name);
  /** The connection itself, for what is not a limit and must not fall back (sign-outs); undefined without REDIS_URL. */
  readonly client?: RedisClientType;
  private reachable = true;
  private readonly connecting?: Promise<unknown>;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
  ) {
    if (config.redis === undefined) return;
    this.client = redisClient(config.redis.url, {
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      caFile: config.redis.caFile,
    });
    this.client.on('error', (error: Error) => this.lost(error.message));
    this.client.on('ready', () => this.found());
    metrics.sharedStateUp = () => (this.client?.isReady ? 1 : 0);
    this.connecting = this.client.connect().catch((error: Error) => this.lost(error.message));
  }

  /** Waits, a little, for Redis: the first requests are then counted with every replica's. */
  async onModuleInit(): Promise<void> {
    await this.whenReady(START_WAIT_MS);
  }

  /** Resolves once Redis answers or `timeoutMs` has passed, whichever is first. */
  async whenReady(timeoutMs: number): Promise<void> {
    const timer = new AbortController();
    await Promise.race([
      this.connecting,
      delay(timeoutMs, undefined, { signal: timer.signal }).catch(() => undefined),
    ]);
    timer.abort();
  }

  /**
   * Runs `command` on Redis for `limit`; undefined when there is no Redis, or it cannot be
   * reached or failed: the caller then counts locally.
   */
  async run<T>(limit: string, command: (client: RedisClientType) => Promise<T>): Promise<T | undefined> {
    const { client } = this;
    if (!client) return undefined;
    if (!client.isReady) return this.fellBack(limit);
    try {
      const result = await command(client);
      this.found();
      return result;
    } catch (error) {
      this.lost((error as Error).message);
      return this.fellBack(limit);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.close().catch(() => undefined);
  }

  private fellBack(limit: string): undefined {
    this.metrics.sharedStateFallback(limit);
    return undefined;
  }

  private lost(reason: string): void {
    if (!this.reachable) return;
    this.reachable = false;
    this.logger.warn({ event: 'shared-limits-unreachable', error: reason, counting: 'per process' });
  }

  private found(): void {
    if (this.reachable) return;
    this.reachable = true;
    this.logger.log({ event: 'shared-limits-restored' });
  }
}
