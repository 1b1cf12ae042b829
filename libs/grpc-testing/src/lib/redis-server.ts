import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServer, type RedisServerOptions, startRedisServer } from '@quartet/processes';

/** A real redis-server on a loopback port, its data in a temporary directory. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`, or `rediss://` with TLS */
  readonly url: string;
  /** The URL that signs in as one of its ACL users. */
  urlFor(user: string): string;
  readonly port: number;
  /** Stops it (SIGTERM: it writes its append-only file) and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops it; `start()` brings it back on the same port and data. */
  pause(): Promise<void>;
  /** Kills it (SIGKILL); `start()` brings it back on the same port and data. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  stop(): Promise<void>;
}

/**
 * A redis-server for one spec, which the spec can take away and bring back to test its clients;
 * with `tls` and `users`, as the manifests run it: TLS only, and no one in without a password.
 */
export async function startTestRedis(
  options: Pick<RedisServerOptions, 'tls' | 'users' | 'appendfsync'> = {},
): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'quartet-redis-'));
  let server: RedisServer | undefined = await startRedisServer({ dir, ...options });
  const { port, url } = server;
  const halt = async (how: 'stop' | 'kill' = 'stop') => {
    const running = server;
    server = undefined;
    await running?.[how]();
  };
  const start = async () => {
    server = await startRedisServer({ dir, port, ...options });
  };
  return {
    url,
    urlFor: (name) => {
      const user = options.users?.find((candidate) => candidate.name === name);
      if (!user) throw new Error(`this redis-server has no user ${name}`);
      const signedIn = new URL(url);
      signedIn.username = user.name;
      signedIn.password = user.password;
      return signedIn.toString();
    },
    port,
    restart: async () => {
      await halt();
      await start();
    },
    pause: () => halt(),
    kill: () => halt('kill'),
    start,
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
