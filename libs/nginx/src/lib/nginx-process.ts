// nginx as an ordinary foreground process in front of replicas on this machine: `npm run
// start:proxy`, the benchmark and the proxy's tests all start it through here.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import {
  type ProxyOptions,
  type ReplicaAddresses,
  renderLocalNginxConf,
  renderProxyConfig,
  supportsHttp2On,
} from './nginx-config';

const NGINX = '/usr/sbin/nginx';

export interface NginxProxy {
  readonly child: ChildProcess;
  /** `host:port` the proxy listens on. */
  readonly address: string;
  readonly configPath: string;
  /** What nginx has written to stderr so far. */
  stderr(): string;
  /** Rewrites the upstreams and reloads without dropping calls. */
  reload(replicas: ReplicaAddresses): Promise<void>;
  /** A graceful stop (SIGQUIT), then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface NginxOptions extends Omit<ProxyOptions, 'http2On'> {
  /** The folder for its config, pid file and temporary folders. */
  readonly dir: string;
  readonly workers?: number;
  /** worker_shutdown_timeout (see DEFAULT_WORKER_SHUTDOWN_SECONDS). */
  readonly workerShutdownSeconds?: number;
  readonly startTimeoutMs?: number;
}

/**
 * Writes the configuration into `dir` and starts nginx on it; resolves once the proxy accepts
 * connections. nginx cannot listen on port 0, so a caller without a fixed port takes one from
 * `freeLoopbackPort()`.
 */
export async function startNginx({
  dir,
  workers,
  workerShutdownSeconds,
  startTimeoutMs = 10_000,
  ...proxy
}: NginxOptions): Promise<NginxProxy> {
  // When nginx starts as root its workers run as nobody, and must reach their temporary folders.
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const configPath = join(dir, 'nginx.conf');
  const version = await run(NGINX, ['-v']);
  const http2On = supportsHttp2On(version.output);
  const write = (replicas: ReplicaAddresses) =>
    writeFileSync(
      configPath,
      renderLocalNginxConf({
        prefix: dir,
        proxyConfig: renderProxyConfig({ ...proxy, replicas, http2On }),
        workers,
        workerShutdownSeconds,
      }),
    );
  write(proxy.replicas);
  const test = await run(NGINX, ['-t', '-q', '-p', dir, '-c', configPath, '-e', 'stderr']);
  if (test.code !== 0) throw new Error(`nginx rejected ${configPath}: ${test.output}`);

  const child = spawn(NGINX, ['-p', dir, '-c', configPath, '-e', 'stderr'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const [host, port] = splitHostPort(proxy.listen);
  const deadline = Date.now() + startTimeoutMs;
  while (!(await accepts(host, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start listening on ${proxy.listen}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    address: proxy.listen,
    configPath,
    stderr: () => stderr,
    async reload(current) {
      write(current);
      const check = await run(NGINX, ['-t', '-q', '-p', dir, '-c', configPath, '-e', 'stderr']);
      if (check.code !== 0) throw new Error(`nginx rejected the new upstreams: ${check.output}`);
      // SIGHUP: new workers take the new upstreams; old ones finish their calls first.
      child.kill('SIGHUP');
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      return exited.finally(() => clearTimeout(killer));
    },
  };
}

/**
 * A port on 127.0.0.1 that the kernel just handed out as free, for a server that cannot bind
 * port 0 itself.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function splitHostPort(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}
