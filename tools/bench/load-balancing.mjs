#!/usr/bin/env node
// Proxy against client-side load balancing, on the same replicas in one run: three built
// greeter and three ticker replicas, nginx (grpc_pass) in front of them, and one load
// generator that runs the same unary and server-streaming load twice: through nginx (one
// address, nginx picks the replica per call) and straight to the replicas (a grpc-js channel
// over every address with round_robin, as the gateway's). Prints one table.
//
//   npm run bench:balancing                       10 s a mode and load, 32 unary callers, 8 streams
//   npm run bench:balancing -- --seconds=30 --callers=64 --streams=16
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { freeLoopbackPort, startNginx } from '@quartet/nginx';
import { listeningEvent, startProcess } from '@quartet/processes';
import { GreeterDefinition, grpcClientConstructor, TickerServiceDefinition } from '@quartet/proto';
import { CATALOGUE } from '@quartet/service-catalogue';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    replicas: { type: 'string', default: '3' },
    callers: { type: 'string', default: '32' },
    streams: { type: 'string', default: '8' },
    ticks: { type: 'string', default: '200' },
  },
});
const [seconds, replicaCount, callers, streams, ticks] = [
  values.seconds,
  values.replicas,
  values.callers,
  values.streams,
  values.ticks,
].map(Number);

/** @type {import('@quartet/processes').StartedProcess<string>[]} */
const replicaProcesses = [];
const nginxDir = mkdtempSync(join(tmpdir(), 'quartet-bench-nginx-'));
/** The nginx proxy, once started: killed with the replicas if the bench exits early. */
/** @type {{ proxy?: import('@quartet/nginx').NginxProxy }} */
const started = {};
process.on('exit', () => {
  started.proxy?.child.kill('SIGKILL');
  rmSync(nginxDir, { recursive: true, force: true });
});

/** A built service on an ephemeral loopback port; resolves with its address. */
async function spawnReplica(app, id) {
  const started = await startProcess({
    name: `${app} (built by \`npx nx build ${app}\`)`,
    command: process.execPath,
    args: [join(root, 'dist/apps', app, 'main.js')],
    env: { HOST: '127.0.0.1', PORT: '0', INSTANCE_ID: id },
    ready: (line) => listeningEvent(line)?.address,
  });
  replicaProcesses.push(started);
  return started.value;
}

const apps = ['greeter', 'ticker'];
/** @type {Record<string, string[]>} */
const replicas = {};
for (const app of apps) {
  replicas[app] = [];
  for (let i = 1; i <= replicaCount; i += 1) replicas[app].push(await spawnReplica(app, `${app}-${i}`));
}
const proxy = await startNginx({
  dir: nginxDir,
  listen: `127.0.0.1:${await freeLoopbackPort()}`,
  replicas,
  services: CATALOGUE.services.filter((service) => apps.includes(service.app)),
});
started.proxy = proxy;

const Greeter = grpcClientConstructor(GreeterDefinition);
const Ticker = grpcClientConstructor(TickerServiceDefinition);
// The gateway's balancing policy (libs/grpc-client clientChannelOptions): round robin per call.
const ROUND_ROBIN = { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) };
const MODES = {
  'client-side': (app) => [`ipv4:${replicas[app].join(',')}`, ROUND_ROBIN],
  'nginx proxy': () => [proxy.address, {}],
};

/** Unary load: `callers` loops of SayHello, back to back, for `ms`. */
async function unaryLoad(client, ms) {
  const latencies = [];
  const servedBy = {};
  let failed = 0;
  const until = performance.now() + ms;
  const caller = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      await new Promise((resolve) => {
        const call = client.sayHello(
          { name: 'bench' },
          new Metadata(),
          { deadline: Date.now() + 5_000 },
          (error) => {
            if (error) failed += 1;
            else latencies.push(performance.now() - started);
            resolve(undefined);
          },
        );
        call.on('metadata', (headers) => count(servedBy, headers));
      });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: callers }, caller));
  return {
    done: latencies.length,
    failed,
    latencies,
    servedBy,
    elapsed: performance.now() - started,
    unit: 'calls',
  };
}

/** Streaming load: `streams` loops of Watch(count=ticks, as fast as read), for `ms`; latency is each stream's whole time. */
async function streamingLoad(client, ms) {
  const latencies = [];
  const servedBy = {};
  let failed = 0;
  let messages = 0;
  const until = performance.now() + ms;
  const watcher = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      await new Promise((resolve) => {
        const call = client.watch(
          { symbol: 'ACME', count: ticks, intervalMs: 0, fromSeq: 0n },
          new Metadata(),
          { deadline: Date.now() + 30_000 },
        );
        call.on('metadata', (headers) => count(servedBy, headers));
        call.on('data', () => (messages += 1));
        call.on('error', () => undefined);
        call.on('status', ({ code }) => {
          if (code === status.OK) latencies.push(performance.now() - started);
          else failed += 1;
          resolve(undefined);
        });
      });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: streams }, watcher));
  return { done: messages, failed, latencies, servedBy, elapsed: performance.now() - started, unit: 'ticks' };
}

function count(servedBy, headers) {
  const id = String(headers.get('x-served-by')[0] ?? '?');
  servedBy[id] = (servedBy[id] ?? 0) + 1;
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const rows = [];
/** Each load, and how to open a client for it on a target that `run(ms)` then measures. */
const LOADS = [
  {
    load: 'unary SayHello',
    app: 'greeter',
    open: (address, options) => {
      const client = new Greeter(address, credentials.createInsecure(), options);
      return { run: (ms) => unaryLoad(client, ms), close: () => client.close() };
    },
  },
  {
    load: 'stream Watch',
    app: 'ticker',
    open: (address, options) => {
      const client = new Ticker(address, credentials.createInsecure(), options);
      return { run: (ms) => streamingLoad(client, ms), close: () => client.close() };
    },
  },
];
for (const { load, app, open } of LOADS) {
  for (const [mode, target] of Object.entries(MODES)) {
    const [address, options] = target(app);
    const client = open(address, options);
    await client.run(1_000); // warm-up: connections made, code paths compiled
    const result = await client.run(seconds * 1_000);
    client.close();
    const sorted = result.latencies.sort((a, b) => a - b);
    const total = Object.values(result.servedBy).reduce((sum, n) => sum + n, 0);
    rows.push([
      load,
      mode,
      `${Math.round(result.done / (result.elapsed / 1_000)).toLocaleString('en-US')} ${result.unit}/s`,
      `${percentile(sorted, 50).toFixed(2)} ms`,
      `${percentile(sorted, 99).toFixed(2)} ms`,
      Object.keys(result.servedBy)
        .sort()
        .map((id) => `${Math.round((100 * result.servedBy[id]) / total)}%`)
        .join(' / '),
      String(result.failed),
    ]);
    process.stderr.write(`measured ${load} via ${mode}\n`);
  }
}

const header = [
  'load',
  'balancing',
  'throughput',
  'p50',
  'p99',
  `spread over ${replicaCount} replicas`,
  'failed',
];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => row[column].length)),
);
const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
console.log(
  `\n${replicaCount} replicas each of greeter and ticker, nginx ${proxy.address} with 1 worker; ` +
    `${seconds} s per row; ${callers} unary callers; ${streams} streams of ${ticks} ticks (p50/p99: whole stream)\n`,
);
console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));

await proxy.stop();
await Promise.all(replicaProcesses.map((replica) => replica.stop()));
process.exit(0);
