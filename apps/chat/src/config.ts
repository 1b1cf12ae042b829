import { EnvReader, type Environment, readServerConfig, type ServerConfig } from '@quartet/grpc-server';
import { readRedisConnection, type RedisConnection } from '@quartet/redis';
import { defaultPort } from '@quartet/service-catalogue';

export interface ChatConfig {
  readonly server: ServerConfig;
  /** CHAT_HISTORY: how many of its latest messages a room keeps for replay. */
  readonly historySize: number;
  /** CHAT_MAX_BACKLOG: how many events may wait for a member that does not read before it is cut off. */
  readonly maxBacklog: number;
  /** CHAT_MAX_ROOMS: how many rooms exist at once; empty ones are forgotten first. */
  readonly maxRooms: number;
  /** CHAT_MAX_MEMBERS: how many members one room takes at once. */
  readonly maxMembers: number;
  /** CHAT_MAX_CONNECTIONS: how many chat calls the service takes at once, in all rooms. */
  readonly maxConnections: number;
  /** CHAT_DEDUP_WINDOW: how many client_ids a room remembers, to store a resent post once. */
  readonly dedupWindow: number;
  /** CHAT_POSTS_PER_SECOND: how fast one member may post, on average; bursts may reach twice it. */
  readonly postsPerSecond: number;
  /** CHAT_PRESENCE_LIST_MAX: above how many users a room's members get its count instead of each presence change. */
  readonly presenceListMax: number;
  /** REDIS_URL: rooms in Redis, shared by every replica; without it, in this process's memory. */
  readonly redis?: RedisSettings;
}

/** REDIS_URL and REDIS_TLS_CA_FILE, and what chat does with them. */
export interface RedisSettings extends RedisConnection {
  /**
   * CHAT_PRESENCE_LEASE_MS: how long a member counts as online without its replica renewing
   * it; a replica that dies takes its members offline for everyone within 4/3 of this.
   */
  readonly presenceLeaseMs: number;
}

/**
 * The most memory one kept message can take: 1000 characters of text as UTF-16, the user,
 * the client_id, the dedup key and the objects around them, rounded up (see the budget
 * test in chat-budget.spec.ts, which measures it).
 */
export const MESSAGE_BUDGET_BYTES = 4 * 1024;

/**
 * What the rooms' state may take at most, in bytes. History and the dedup window both keep
 * a room's latest messages, so together they hold max(history, dedup) of them; the
 * backlogs of members that do not read point at up to `maxBacklog` older ones. A backlog
 * holds references (8 bytes each) to the room's messages, never copies.
 */
export function chatMemoryBudget(config: Omit<ChatConfig, 'server' | 'redis'>): number {
  const kept = Math.max(config.historySize, config.dedupWindow) + config.maxBacklog;
  const perRoom = kept * MESSAGE_BUDGET_BYTES;
  const perMember = config.maxBacklog * 8 + MESSAGE_BUDGET_BYTES;
  return config.maxRooms * perRoom + config.maxConnections * perMember;
}

export const CHAT_CONFIG = Symbol('ChatConfig');

/** The chat service's settings from its environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Environment): ChatConfig {
  const reader = new EnvReader(env);
  const server = readServerConfig(reader, defaultPort('chat'));
  const historySize = reader.integer('CHAT_HISTORY', 100, 0, 100_000);
  const maxBacklog = reader.integer('CHAT_MAX_BACKLOG', 256, 1, 100_000);
  const maxRooms = reader.integer('CHAT_MAX_ROOMS', 100, 1, 1_000_000);
  const maxMembers = reader.integer('CHAT_MAX_MEMBERS', 100, 1, 100_000);
  const maxConnections = reader.integer('CHAT_MAX_CONNECTIONS', 1_000, 1, 1_000_000);
  const dedupWindow = reader.integer('CHAT_DEDUP_WINDOW', 100, 0, 100_000);
  const postsPerSecond = reader.integer('CHAT_POSTS_PER_SECOND', 10, 1, 1_000_000);
  const presenceListMax = reader.integer('CHAT_PRESENCE_LIST_MAX', 100, 1, 100_000);
  const connection = readRedisConnection(reader);
  const presenceLeaseMs = reader.integer('CHAT_PRESENCE_LEASE_MS', 10_000, 300, 600_000);
  // A join replays the history before the member can read: a backlog no larger would cut it off at once.
  if (maxBacklog <= historySize) {
    reader.problem(
      `CHAT_MAX_BACKLOG=${maxBacklog} must be over CHAT_HISTORY=${historySize}: a join replays the history`,
    );
  }
  // A room in memory lives in one process: workers would each hold a different room of that name.
  if (server.workers > 1 && connection === undefined) {
    reader.problem(`WORKERS=${server.workers} needs REDIS_URL: rooms kept in memory live in one process`);
  }
  reader.done();
  const redis = connection === undefined ? undefined : { ...connection, presenceLeaseMs };
  return {
    server,
    historySize,
    maxBacklog,
    maxRooms,
    maxMembers,
    maxConnections,
    dedupWindow,
    postsPerSecond,
    presenceListMax,
    redis,
  };
}
