import { type Clock, type RunningGrpcService, startGrpcService } from '@quartet/grpc-server';
import { startTestRedis, type TestRedis, testServerConfig } from '@quartet/grpc-testing';
import { ChatServiceDefinition } from '@quartet/proto';
import { firstValueFrom, filter, timeout } from 'rxjs';
import { CHAT_STORE, type ChatStore } from '../chat/chat-store';
import { ChatModule } from '../chat/chat.module';
import type { ChatConfig } from '../config';

/** Where rooms live; every chat spec runs against both. */
export const CHAT_STORES = ['in memory', 'in Redis'] as const;
export type StoreKind = (typeof CHAT_STORES)[number];

/** A lease short enough that a test sees a dead replica's members go offline in a few seconds. */
export const TEST_PRESENCE_LEASE_MS = 1_500;

/** A chat service's settings for tests, rooms in memory: small limits, any of them overridden. */
export const testChatConfig = (overrides: Partial<ChatConfig> = {}): ChatConfig => ({
  server: testServerConfig(),
  historySize: 100,
  maxBacklog: 64,
  maxRooms: 100,
  maxMembers: 100,
  maxConnections: 1_000,
  dedupWindow: 100,
  // High enough for the specs that flood a room; chat-limits tests the limit itself.
  postsPerSecond: 1_000,
  presenceListMax: 100,
  ...overrides,
});

/** A chat replica's settings for tests, its rooms in the Redis at `redisUrl`, with a short presence lease. */
export function redisChatConfig(redisUrl: string, server = testServerConfig()): ChatConfig {
  return {
    server,
    historySize: 100,
    maxBacklog: 256,
    maxRooms: 100,
    maxMembers: 100,
    maxConnections: 1_000,
    dedupWindow: 100,
    postsPerSecond: 1_000,
    presenceListMax: 100,
    redis: { url: redisUrl, presenceLeaseMs: TEST_PRESENCE_LEASE_MS },
  };
}

/** The store of `kind` for one spec: a real redis-server of its own for Redis, nothing for memory. */
export class StoreUnderTest {
  redis: TestRedis | undefined;

  constructor(readonly kind: StoreKind) {}

  /** `config` with this store, starting its redis-server on first use. */
  async configure(config: ChatConfig): Promise<ChatConfig> {
    if (this.kind === 'in memory') return config;
    this.redis ??= await startTestRedis();
    return { ...config, redis: { url: this.redis.url, presenceLeaseMs: TEST_PRESENCE_LEASE_MS } };
  }

  async stop(): Promise<void> {
    await this.redis?.stop();
  }
}

/**
 * Starts a chat service and resolves once its store can serve (health SERVING), or at once
 * with `waitForStore: false`. `clock` stamps its messages.
 */
export async function startChat(
  config: ChatConfig,
  { clock, waitForStore = true }: { clock?: Clock; waitForStore?: boolean } = {},
): Promise<RunningGrpcService> {
  const service = await startGrpcService({
    module: ChatModule.forRoot(config, clock),
    services: [ChatServiceDefinition],
    config: config.server,
    readiness: (app) => app.get<ChatStore>(CHAT_STORE).available,
  });
  if (waitForStore) await storeReady(service);
  return service;
}

export function storeReady(service: RunningGrpcService, ready = true): Promise<boolean> {
  return firstValueFrom(
    service.app.get<ChatStore>(CHAT_STORE).available.pipe(
      filter((available) => available === ready),
      timeout(10_000),
    ),
  );
}
