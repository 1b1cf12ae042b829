#!/usr/bin/env node
// `npm start`: builds the services and the gateway and runs each as its own process on this
// machine, with one readable line per log event. Ctrl-C (or SIGTERM) drains them all as a
// deployment would and exits once they have stopped.
//
//   npm start                          one replica of each service, on the ports of the service catalogue
//   npm start -- --replicas=3          three replicas of each service (ports +step, +2·step); the gateway
//                                      balances its calls over them (client-side round robin), and chat
//                                      rooms live in a local redis-server that this script starts and stops
//   npm run start:proxy                three replicas of each, nginx in front of them on one address,
//                                      and the gateway calling through nginx (proxy load balancing)
//   npm start -- --tls                 every gRPC hop over mTLS, with the development certificates of
//                                      `npm run certs` (made in certs/ when missing); combines with the others
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeDevelopmentCertificates } from '@quartet/certificates';
import { loopbackProxyTls, startNginx } from '@quartet/nginx';
import { listeningEvent, startRedisServer } from '@quartet/processes';
import { CATALOGUE as catalogue, replicaPort } from '@quartet/service-catalogue';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: options } = parseArgs({
  options: {
    replicas: { type: 'string', default: '1' },
    proxy: { type: 'boolean', default: false },
    tls: { type: 'boolean', default: false },
  },
});
const replicaCount = Number(options.replicas);
if (!Number.isInteger(replicaCount) || replicaCount < 1 || replicaCount > catalogue.maxReplicas) {
  console.error(`--replicas=${options.replicas}: give a whole number from 1 to ${catalogue.maxReplicas}`);
  process.exit(2);
}
const host = process.env.HOST ?? '127.0.0.1';
const certs = options.tls ? developmentCertificates(join(root, 'certs')) : undefined;
/** What makes a service serve mTLS, and the gateway call over it (docs/security.md#tls-and-mtls-on-every-grpc-hop). */
const serviceTls = certs
  ? {
      TLS_CERT_FILE: certs.server.certFile,
      TLS_KEY_FILE: certs.server.keyFile,
      TLS_CLIENT_CA_FILE: certs.ca.certFile,
    }
  : {};
const clientTls = certs
  ? {
      GRPC_TLS_CA_FILE: certs.ca.certFile,
      GRPC_TLS_CERT_FILE: certs.client.certFile,
      GRPC_TLS_KEY_FILE: certs.client.keyFile,
      GRPC_TLS_SERVER_NAME: 'localhost',
    }
  : {};
const proxyAddress = `${host}:${catalogue.proxy.port}`;
/** Not Redis's usual 6379, so that a Redis this machine already runs is left alone. */
const REDIS_PORT = 6380;
const grpcurlTransport = certs
  ? `-cacert ${certs.ca.certFile} -cert ${certs.client.certFile} -key ${certs.client.keyFile}`
  : '-plaintext';

/**
 * Where chat rooms live: one replica keeps them in its memory, as a first run needs nothing
 * else; several share them in Redis, so that any replica serves any member of any room.
 */
const redis =
  replicaCount > 1 ? { port: REDIS_PORT, dir: mkdtempSync(join(tmpdir(), 'quartet-redis-')) } : undefined;
const chatStore = redis ? { REDIS_URL: `redis://${host}:${redis.port}` } : {};

const processes = catalogue.services.flatMap((service) =>
  Array.from({ length: replicaCount }, (_, index) => ({
    label: replicaCount > 1 ? `${service.app}-${index + 1}` : service.app,
    app: service.app,
    port: replicaPort(service.app, index),
    describe: `${service.grpcService} (${service.style})`,
    env: { ...serviceTls, ...(service.affinity ? chatStore : {}) },
  })),
);
const addressesOf = (app) =>
  processes.filter((entry) => entry.app === app).map((entry) => `${host}:${entry.port}`);
const gatewayTargets = Object.fromEntries(
  catalogue.services
    .filter((service) => service.targetVariable)
    .map((service) => [
      service.targetVariable,
      options.proxy ? proxyAddress : addressesOf(service.app).join(','),
    ]),
);
processes.push({
  label: 'gateway',
  app: catalogue.gateway.app,
  port: catalogue.gateway.port,
  describe: 'HTTP gateway',
  env: { ...gatewayTargets, ...clientTls },
});

const build = spawnSync(
  join(root, 'node_modules', '.bin', 'nx'),
  [
    'run-many',
    '--targets=build',
    `--projects=${[...new Set(processes.map((p) => p.app))]}`,
    '--outputStyle=static',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NX_NO_CLOUD: 'true' } },
);
if (build.status !== 0) process.exit(build.status ?? 1);

const width = Math.max(...processes.map((p) => p.label.length), 'nginx'.length);
const children = new Map();
let listening = 0;
let stopping = false;
let proxy;
const redisServer = redis && (await startLocalRedis(redis));

for (const { label: name, app, port, describe, env } of processes) {
  const child = spawn(process.execPath, [join(root, 'dist', 'apps', app, 'main.js')], {
    cwd: root,
    env: { ...process.env, HOST: host, PORT: String(port), INSTANCE_ID: name, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(name, child);
  const label = `[${name.padEnd(width)}]`;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      const entry = parse(line);
      if (!entry) return console.log(`${label} ${line}`);
      const bound = listeningEvent(line);
      if (bound) {
        console.log(`${label} ${describe} on ${bound.address}`);
        listening += 1;
        if (listening === processes.length) void ready();
        return;
      }
      const { message } = entry;
      console.log(
        `${label} ${entry.level.padEnd(5)} ${typeof message === 'string' ? message : JSON.stringify(message)}`,
      );
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`${label} exited (${signal ?? code}); stopping the others`);
      stop(1);
    } else if (children.size === 0) {
      void stopRedis().then(() => process.exit(process.exitCode ?? 0));
    }
  });
}

async function ready() {
  if (options.proxy) {
    try {
      proxy = await startNginx({
        dir: mkdtempSync(join(tmpdir(), 'quartet-nginx-')),
        listen: proxyAddress,
        replicas: Object.fromEntries(
          catalogue.services.map((service) => [service.app, addressesOf(service.app)]),
        ),
        tls: certs && loopbackProxyTls(certs),
        // Chat rooms in one replica's memory need every call of a room to reach that replica.
        affinity: !redis,
      });
    } catch (error) {
      console.error(`[${'nginx'.padEnd(width)}] ${error instanceof Error ? error.message : error}`);
      return stop(1);
    }
    proxy.child.on('exit', (code) => !stopping && (console.error(`nginx exited (${code})`), stop(1)));
    console.log(
      `[${'nginx'.padEnd(width)}] grpc_pass proxy on ${proxyAddress} (config: ${proxy.configPath})`,
    );
  }
  const services = catalogue.services
    .map((service) => `${service.app} ${addressesOf(service.app).join(',')}`)
    .join('; ');
  console.log(
    `\nquartet is running: ${services}.` +
      (options.proxy
        ? `\nThe nginx proxy on ${proxyAddress} balances every service; the gateway calls through it.`
        : replicaCount > 1
          ? '\nThe gateway balances its calls over the replicas by round robin.'
          : '') +
      (redis ? `\nChat rooms live in Redis on ${host}:${redis.port}, shared by the chat replicas.` : '') +
      `\nOpen the page: http://${host}:${catalogue.gateway.port}/  (sign in with a name; the API: POST /api/session, then /api/hello, /api/ticker/:symbol, /api/uploads, /api/chat; /readyz; metrics on http://127.0.0.1:9464/metrics)` +
      (options.proxy
        ? `\nTry (the proxy routes no reflection): grpcurl ${grpcurlTransport} -import-path proto -proto helloworld/helloworld.proto -d '{"name":"you"}' ${proxyAddress} helloworld.Greeter/SayHello`
        : `\nTry: grpcurl ${grpcurlTransport} -d '{"name":"you"}' ${addressesOf('greeter')[0]} helloworld.Greeter/SayHello`) +
      (certs ? `\nEvery gRPC hop is mTLS, with the certificates in ${dirname(certs.ca.certFile)}.` : '') +
      '\nCtrl-C stops everything.\n',
  );
}

/** redis-server on loopback, its append-only file in a temporary folder, ready before the chat replicas start. */
async function startLocalRedis({ port, dir }) {
  const label = `[${'redis'.padEnd(width)}]`;
  const server = await startRedisServer({
    host,
    port,
    dir,
    onLine: (line) => console.log(`${label} ${line}`),
  }).catch((error) => {
    console.error(`${label} ${error.message}`);
    process.exit(1);
  });
  server.child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${label} exited (${signal ?? code}); stopping the others`);
      stop(1);
    }
  });
  return server;
}

/** Stops Redis once the chat replicas have drained, and removes its data. */
function stopRedis() {
  if (!redisServer) return Promise.resolve();
  return redisServer.stop().then(() => rmSync(redis.dir, { recursive: true, force: true }));
}

/** The certificates `npm run certs` makes, made now if they are not there yet. */
function developmentCertificates(dir) {
  const pair = (name) => ({ certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) });
  const existing = { ca: pair('ca'), server: pair('server'), client: pair('client') };
  const complete = Object.values(existing).every((p) => existsSync(p.certFile) && existsSync(p.keyFile));
  return complete ? existing : makeDevelopmentCertificates(dir);
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  void proxy?.stop();
  for (const child of children.values()) child.kill('SIGTERM');
  if (children.size === 0) void stopRedis().then(() => process.exit(code));
}

function parse(line) {
  try {
    const entry = JSON.parse(line);
    return typeof entry === 'object' && entry !== null && 'level' in entry ? entry : undefined;
  } catch {
    return undefined;
  }
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
