import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServerOptions {
  /** Where it keeps its append-only file. */
  readonly dir: string;
  /** 127.0.0.1 unless given; a loopback address in any case. */
  readonly host?: string;
  /** A free port of the host's unless given. */
  readonly port?: number;
  /** Its log lines once it is ready (for a launcher that shows them); otherwise they are dropped. */
  readonly onLine?: (line: string) => void;
}

/** A redis-server that has said it accepts connections. */
export interface RedisServer {
  readonly child: ChildProcess;
  readonly port: number;
  /** `redis://host:port` */
  readonly url: string;
  /** SIGTERM (it writes its append-only file), SIGKILL after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` (installed by tools/scripts/system-deps.sh), persisting every write to an
 * append-only file, as a deployment that must not lose chat history across a restart would. A free
 * port taken by someone else before it binds is tried again, with another.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const host = options.host ?? '127.0.0.1';
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort(host));
    try {
      const child = await spawnRedis(host, port, options);
      return { child, port, url: `redis://${host}:${port}`, stop: () => stopChild(child) };
    } catch (error) {
      if (options.port !== undefined || attempt === 3) throw error;
    }
  }
}

function spawnRedis(host: string, port: number, { dir, onLine }: RedisServerOptions): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--bind', host, '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'yes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start on port ${port} within 10 s: ${output}`));
    }, 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(`redis-server could not run (tools/scripts/system-deps.sh installs it): ${error.message}`),
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} before it was ready: ${output}`));
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout?.removeAllListeners('data');
      child.stderr?.removeAllListeners('data');
      for (const stream of [child.stdout, child.stderr]) {
        if (onLine)
          stream?.on('data', (more: Buffer) => more.toString().trimEnd().split('\n').forEach(onLine));
        else stream?.resume();
      }
      resolve(child);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  return exited.finally(() => clearTimeout(killer));
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
