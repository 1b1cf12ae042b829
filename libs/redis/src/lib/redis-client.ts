import { readFileSync } from 'node:fs';
import { createClient, type RedisClientType } from 'redis';

/** How long to wait between attempts to reach Redis again, at most. */
const MAX_RECONNECT_DELAY_MS = 2_000;

export interface RedisClientOptions {
  /** How long one command may take before it fails; unbounded unless given. */
  readonly commandTimeoutMs?: number;
  /** For a rediss:// URL: the CA its server certificate must chain to (REDIS_TLS_CA_FILE); without it, the system's. */
  readonly caFile?: string;
}

/**
 * A node-redis client (not yet connected) as every quartet app wants it: commands fail at once
 * while Redis is away rather than wait in memory for it, and it tries again with a backoff of at
 * most 2 s for as long as the app runs. Credentials and TLS come with the URL
 * (`rediss://user:password@host:port`).
 */
export function redisClient(url: string, options: RedisClientOptions = {}): RedisClientType {
  return createClient({
    url,
    disableOfflineQueue: true,
    ...(options.commandTimeoutMs === undefined
      ? {}
      : { commandOptions: { timeout: options.commandTimeoutMs } }),
    socket: {
      connectTimeout: 2_000,
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
      ...(options.caFile === undefined ? {} : { tls: true as const, ca: readFileSync(options.caFile) }),
    },
  }) as RedisClientType;
}
