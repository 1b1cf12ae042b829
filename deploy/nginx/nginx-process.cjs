// @ts-check
// nginx as an ordinary foreground process in front of replicas on this machine: `npm run
// start:proxy`, the benchmark and the proxy's tests all start it through here.
'use strict';

const { spawn } = require('node:child_process');
const { mkdirSync, writeFileSync, chmodSync } = require('node:fs');
const { createConnection, createServer } = require('node:net');
const { join } = require('node:path');
const { renderLocalNginxConf, renderProxyConfig, supportsHttp2On } = require('./nginx-config.cjs');

const NGINX = process.env.NGINX_BIN || '/usr/sbin/nginx';

/**
 * @typedef {object} NginxProxy
 * @property {import('node:child_process').ChildProcess} child
 * @property {string} address `host:port` the proxy listens on
 * @property {string} configPath
 * @property {() => string} stderr what nginx has written to stderr so far
 * @property {(replicas: Record<string, readonly string[]>) => Promise<void>} reload rewrites the upstreams and reloads without dropping calls
 * @property {() => Promise<number | null>} stop graceful stop (SIGQUIT), then SIGKILL after 10 s
 */

/**
 * Writes the configuration into `dir` and starts nginx on it; resolves once the proxy accepts
 * connections. nginx cannot listen on port 0, so a caller without a fixed port takes one from
 * `freeLoopbackPort()`.
 * @param {{ dir: string, listen: string, replicas: Record<string, readonly string[]>, services?: import('./nginx-config.cjs').ServiceEntry[], accessLog?: string, workers?: number, startTimeoutMs?: number, tls?: import('./nginx-config.cjs').ProxyTls, affinity?: boolean }} options
 * @returns {Promise<NginxProxy>}
 */
async function startNginx({
  dir,
  listen,
  replicas,
  services,
  accessLog,
  workers,
  tls,
  affinity,
  startTimeoutMs = 10_000,
}) {
  // When nginx starts as root its workers run as nobody, and must reach their temporary folders.
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const configPath = join(dir, 'nginx.conf');
  const version = await run(NGINX, ['-v']);
  const http2On = supportsHttp2On(version.output);
  const write = (/** @type {Record<string, readonly string[]>} */ current) =>
    writeFileSync(
      configPath,
      renderLocalNginxConf({
        prefix: dir,
        proxyConfig: renderProxyConfig({
          listen,
          replicas: current,
          services,
          accessLog,
          http2On,
          tls,
          affinity,
        }),
        workers,
      }),
    );
  write(replicas);
  const test = await run(NGINX, ['-t', '-q', '-p', dir, '-c', configPath, '-e', 'stderr']);
  if (test.code !== 0) throw new Error(`nginx rejected ${configPath}: ${test.output}`);

  const child = spawn(NGINX, ['-p', dir, '-c', configPath, '-e', 'stderr'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const [host, port] = splitHostPort(listen);
  const deadline = Date.now() + startTimeoutMs;
  while (!(await accepts(host, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start listening on ${listen}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    address: listen,
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
 * @returns {Promise<number>}
 */
function freeLoopbackPort() {
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

/** @param {string} address @returns {[string, number]} */
function splitHostPort(address) {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}

/** @param {string} host @param {number} port @returns {Promise<boolean>} */
function accepts(host, port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** @param {string} command @param {string[]} args @returns {Promise<{ code: number | null, output: string }>} */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

module.exports = { startNginx, freeLoopbackPort };
