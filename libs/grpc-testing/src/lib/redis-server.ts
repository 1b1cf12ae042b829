import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServer, startRedisServer } from '@quartet/processes';

/** A real redis-server on a loopback port, its data in a temporary directory. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
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

/** A redis-server for one spec, which the spec can take away and bring back to test its clients. */
export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'quartet-redis-'));
  let server: RedisServer | undefined = await startRedisServer({ dir });
  const { port, url } = server;
  const halt = async (how: 'stop' | 'kill' = 'stop') => {
    const running = server;
    server = undefined;
    await running?.[how]();
  };
  const start = async () => {
    server = await startRedisServer({ dir, port });
  };
  return {
    url,
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
