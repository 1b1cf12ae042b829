import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { startProcess } from './start-process';

export interface RedisServerOptions {
  /** Where it keeps its append-only file. */
  readonly dir: string;
  /** 127.0.0.1 unless given; a loopback address in any case. */
  readonly host?: string;
  /** A free port of the host's unless given. */
  readonly port?: number;
  /** Its log lines once it is ready (for a launcher that shows them); otherwise they are dropped. */
  readonly onLine?: (line: string) => void;
  /** Serve TLS only (`rediss://`), with this certificate; clients need no certificate of their own. */
  readonly tls?: RedisTls;
  /** ACL users; given any, the default user is off, so that every client must sign in as one. */
  readonly users?: readonly RedisUser[];
  /**
   * When the append-only file reaches the disk: `everysec` (Redis's default and the manifests')
   * may lose the last second or two of writes to a crash, `always` none, at a write per event loop.
   */
  readonly appendfsync?: 'always' | 'everysec';
}

export interface RedisTls {
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA that issued it (redis-server wants one, even when it asks clients for no certificate). */
  readonly caFile: string;
}

/** An ACL user: its password and ACL rules, e.g. `~quartet:chat:*`, `&quartet:chat:*`, `+@all`. */
export interface RedisUser {
  readonly name: string;
  readonly password: string;
  readonly rules: readonly string[];
}

/** A redis-server that has said it accepts connections. */
export interface RedisServer {
  readonly child: ChildProcess;
  readonly port: number;
  /** `redis://host:port`, or `rediss://host:port` with TLS; a user's URL adds `name:password@`. */
  readonly url: string;
  /** SIGTERM (it writes its append-only file), SIGKILL after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or the OOM killer ends it: what the OS has of its file is all that is left. */
  kill(): Promise<void>;
}

/**
 * Starts `redis-server` (tools/scripts/system-deps.sh installs it), persisting every write to an
 * append-only file, as a deployment that must not lose chat history across a restart would. A free
 * port taken by someone else before it binds is tried again, with another.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const host = options.host ?? '127.0.0.1';
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort(host));
    try {
      const { child, stop } = await spawnRedis(host, port, options);
      return {
        child,
        port,
        url: `${options.tls ? 'rediss' : 'redis'}://${host}:${port}`,
        stop: async () => void (await stop('SIGTERM', 5_000)),
        kill: async () => void (await stop('SIGKILL', 5_000)),
      };
    } catch (error) {
      if (options.port !== undefined || attempt === 3) throw error;
    }
  }
}

function spawnRedis(
  host: string,
  port: number,
  { dir, onLine, tls, users = [], appendfsync = 'everysec' }: RedisServerOptions,
) {
  const listen = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        tls.certFile,
        '--tls-key-file',
        tls.keyFile,
      ]
    : ['--port', String(port)];
  const trust = tls ? ['--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no'] : [];
  const acl = users.length === 0 ? [] : ['--user', 'default', 'off'];
  for (const user of users) acl.push('--user', user.name, 'on', `>${user.password}`, ...user.rules);
  return startProcess({
    name: `redis-server on port ${port}`,
    command: 'redis-server',
    args: [
      ...['--bind', host, ...listen, ...trust, ...acl, '--dir', dir, '--save', ''],
      ...['--appendonly', 'yes', '--appendfsync', appendfsync],
    ],
    ready: (line) => (line.includes('Ready to accept connections') ? true : undefined),
    onLine,
    startTimeoutMs: 10_000,
  }).catch((error: Error) => {
    throw /could not run/.test(error.message)
      ? new Error(`${error.message}; tools/scripts/system-deps.sh installs redis-server`)
      : error;
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
