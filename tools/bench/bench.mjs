#!/usr/bin/env node
// `npm run bench`: each quartet path next to its anchor, in one run and one process tree.
// Servers run pinned to core 0 and load generators to core 1 (when taskset exists); rounds
// alternate which side goes first, so drift hits both alike. Writes reports/bench/results.json,
// results.md and chart.svg, and prints the table.
//
//   npm run bench                         3 rounds of 5 s per path and side (about 8 minutes)
//   npm run bench -- --quick              1 round of 1 s, small loads: that it all runs (npm test)
//   npm run bench -- --rounds=5 --seconds=10 --out=reports/bench
//   npm run bench -- --only=chat            the paths whose name holds this text
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { signGuestToken } from '@quartet/auth';
import { containerHeapMb, grpcFrame } from '@quartet/grpc-testing';
import { HelloRequest } from '@quartet/proto';
import { h2load } from './lib/h2load.mjs';
import {
  cpuSeconds,
  listeningAddress,
  peakRssBytes,
  pinned,
  resetPeakRss,
  rssBytes,
  startPinned,
} from './lib/processes.mjs';
import { writeReport } from './lib/report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Runs the TypeScript anchors and load generator as they are, the libs by their aliases. */
const RUN_TS = join(root, 'tools', 'scripts', 'run-ts.mjs');
const require = createRequire(join(root, 'package.json'));
const hdr = require('hdr-histogram-js');
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    out: { type: 'string', default: join(root, 'reports', 'bench') },
    only: { type: 'string' },
  },
});
const quick = values.quick;
const rounds = Number(values.rounds ?? (quick ? 1 : 3));
const seconds = Number(values.seconds ?? (quick ? 1 : 5));
const SERVER_CORE = 0;
const LOAD_CORE = cpus().length > 1 ? 1 : 0;
const SECRET = 'bench: the key the gateway signs guest sessions with, 32+ bytes';
const authorization = `Bearer ${(await signGuestToken(new TextEncoder().encode(SECRET), 'bench', 3_600)).token}`;
const chatMembers = quick ? 50 : 1_000;
const chatPostsPerSecond = quick ? 20 : 100;
/** The join storm: a room this large, joined at once, then a few posts a second. */
const largeRoomMembers = quick ? 200 : 10_000;
const largeRoomPostsPerSecond = 5;
const uploadMiB = quick ? 4 : 32;
const stalledPeers = quick ? 8 : 64;
const scratch = mkdtempSync(join(tmpdir(), 'quartet-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** A built quartet app, or an anchor, pinned to the servers' core; resolves with its address and pid. */
async function server(name, command, args, env = {}, core = SERVER_CORE) {
  // Each worker logs that it listens; the load must not start before all of them can take connections.
  let workersListening = 0;
  const started = await startPinned({
    name,
    command,
    args,
    core,
    env: { HOST: '127.0.0.1', PORT: '0', LOG_FORMAT: 'json', INSTANCE_ID: name, ...env },
    ready: (line) => {
      const address = listeningAddress(line);
      if (address === undefined) return undefined;
      workersListening += 1;
      return workersListening >= Number(env.WORKERS ?? 1) ? address : undefined;
    },
  });
  return { name, address: started.value, pid: started.child.pid, stop: started.stop };
}
const app = (name, env, core) =>
  server(name, process.execPath, [join(root, 'dist', 'apps', name, 'main.js')], env, core);
const ALL_CORES = cpus().length > 1 ? `0-${cpus().length - 1}` : '0';
const anchor = (style) =>
  server(`bare ${style}`, process.execPath, [
    RUN_TS,
    join(root, 'tools', 'bench', 'anchors', 'bare-server.mts'),
    style,
    scratch,
  ]);

/** The streaming load generator, pinned to the load core; resolves with its JSON result. */
async function streamLoad(args, joinSeconds = 60) {
  const run = await startPinned({
    name: `load ${args[0]}`,
    command: process.execPath,
    args: [RUN_TS, join(root, 'tools', 'bench', 'loads', 'grpc-load.mts'), ...args.map(String)],
    core: LOAD_CORE,
    // It prints its one line when the run is over, after the members of a room have joined.
    startTimeoutMs: (seconds + joinSeconds + 30) * 1_000,
    ready: (line) => (line.startsWith('{') ? JSON.parse(line) : undefined),
  });
  return run.value;
}

const helloFrame = grpcFrame(HelloRequest.encode({ name: 'bench' }).finish());
const grpcHeaders = { 'content-type': 'application/grpc', te: 'trailers' };
const unaryLoad = (address) =>
  h2load({
    url: `http://${address}/helloworld.Greeter/SayHello`,
    seconds,
    clients: 8,
    streams: 32,
    headers: grpcHeaders,
    body: helloFrame,
    core: LOAD_CORE,
  });

console.error('starting the services and anchors…');
const uploadDir = join(scratch, 'uploads');
const services = {
  greeter: await app('greeter'),
  ticker: await app('ticker'),
  upload: await app('upload', { UPLOAD_DIR: uploadDir, UPLOAD_MIN_FREE_BYTES: '0' }),
  chat: await app('chat', {
    CHAT_MAX_MEMBERS: String(largeRoomMembers),
    CHAT_MAX_CONNECTIONS: String(largeRoomMembers * 2),
    // One member posts at the offered rate, far past a person's CHAT_POSTS_PER_SECOND.
    CHAT_POSTS_PER_SECOND: '1000000',
  }),
};
services.gateway = await app('gateway', {
  GREETER_TARGET: services.greeter.address,
  UPLOAD_TARGET: services.upload.address,
  TICKER_TARGET: services.ticker.address,
  CHAT_TARGET: services.chat.address,
  AUTH_SECRET: SECRET,
  RATE_LIMIT_PER_MINUTE: '1000000',
  UPLOAD_QUOTA_BYTES: String(1024 ** 5),
  METRICS_PORT: '0',
});
// The slow-peers row's own ticker, chat and gateway: the memory it measures must not carry
// the heap other rows left in the shared ones (the 1,000-member room's, say). Each gets the
// heap its container would (deploy/k8s), and small young-generation spaces: uncapped, Node
// 24's young generation (up to 3 × 16 MiB) swung this row's figure from +5 to +57 MiB from
// run to run by where the scavenger happened to run, not by what the peers made it hold.
const asInItsContainer = (name) => ({
  NODE_OPTIONS: `--max-old-space-size=${containerHeapMb(name)} --max-semi-space-size=4`,
});
const slowPeerServices = {
  ticker: await app('ticker', { INSTANCE_ID: 'ticker-slow-peers', ...asInItsContainer('ticker') }),
  chat: await app('chat', {
    INSTANCE_ID: 'chat-slow-peers',
    CHAT_POSTS_PER_SECOND: '1000000',
    ...asInItsContainer('chat'),
  }),
};
slowPeerServices.gateway = await app('gateway', {
  ...asInItsContainer('gateway'),
  INSTANCE_ID: 'gateway-slow-peers',
  TICKER_TARGET: slowPeerServices.ticker.address,
  CHAT_TARGET: slowPeerServices.chat.address,
  AUTH_SECRET: SECRET,
  RATE_LIMIT_PER_MINUTE: '1000000',
  METRICS_PORT: '0',
  MAX_STREAMS_PER_CLIENT: String(stalledPeers * 2),
});
// The greeter with tracing on, exporting every span (OTLP over HTTP, protobuf) to a sink on the
// load's core, as it would to a collector: the cost of tracing on and off.
const otlpSink = await server(
  'otlp sink',
  process.execPath,
  [join(root, 'tools', 'bench', 'anchors', 'otlp-sink.mjs')],
  {},
  LOAD_CORE,
);
const tracedGreeter = await app('greeter', {
  INSTANCE_ID: 'greeter-traced',
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://${otlpSink.address}`,
});
// The same greeter as one process and as two workers, both on every core, for the scaling row.
const scaling = {
  one: await app('greeter', { INSTANCE_ID: 'greeter-one' }, ALL_CORES),
  two: await app('greeter', { INSTANCE_ID: 'greeter-two', WORKERS: '2' }, ALL_CORES),
};
// The gateway rows' anchor: node:http and one grpc-js channel to the same greeter, no policy.
const leanGateway = await server('lean gateway', process.execPath, [
  RUN_TS,
  join(root, 'tools', 'bench', 'anchors', 'lean-gateway.mts'),
  services.greeter.address,
]);
const anchors = {
  unary: await anchor('unary'),
  serverStream: await anchor('server-stream'),
  clientStream: await anchor('client-stream'),
  bidi: await anchor('bidi'),
};

/**
 * The paths, each with quartet's side and its anchor's: which servers do the work (their CPU
 * and peak RSS are counted) and the load that measures them.
 */
const slowPeerTargets = [
  slowPeerServices.ticker.address,
  slowPeerServices.chat.address,
  `http://${slowPeerServices.gateway.address}`,
].join(',');
const helloLoad = (gateway) =>
  h2load({
    url: `http://${gateway.address}/api/hello?name=bench`,
    seconds,
    clients: 256,
    streams: 1,
    h1: true,
    headers: { authorization },
    core: LOAD_CORE,
  });
/** What the chat service may hold for a 10,000-member room: its container's memory (deploy/k8s). */
const LARGE_ROOM_MAX_RSS_MIB = 512;
/** A chat room of `members` members joining at once, then one posting at `perSecond`, against the bare fan-out. */
const chatRow = (members, perSecond, goals) => {
  const load = (address) => () =>
    streamLoad(['bidi', address, seconds, members, perSecond], Math.max(30, members / 100));
  return {
    path: `bidi chat fan-out (${members.toLocaleString('en')} members, ${perSecond} posts/s)`,
    members,
    ...goals,
    quartet: { servers: [services.chat], load: load(services.chat.address) },
    anchorName: 'bare grpc-js',
    anchor: { servers: [anchors.bidi], load: load(anchors.bidi.address) },
  };
};
const PATHS = [
  {
    path: 'unary SayHello (h2load c8 m32)',
    goal: '≥ 0.90×',
    goalRatio: 0.9,
    quartet: { servers: [services.greeter], load: () => unaryLoad(services.greeter.address) },
    anchorName: 'bare grpc-js',
    anchor: { servers: [anchors.unary], load: () => unaryLoad(anchors.unary.address) },
  },
  {
    path: 'unary SayHello, tracing on (every span exported)',
    goal: 'cost of tracing (informative)',
    informative: true,
    quartet: { servers: [tracedGreeter], load: () => unaryLoad(tracedGreeter.address) },
    anchorName: 'tracing off',
    anchor: { servers: [services.greeter], load: () => unaryLoad(services.greeter.address) },
  },
  {
    path: 'unary SayHello, WORKERS=2 on every core',
    goal: 'scaling (informative)',
    informative: true,
    quartet: { servers: [scaling.two], load: () => unaryLoad(scaling.two.address) },
    anchorName: 'WORKERS=1, same cores',
    anchor: { servers: [scaling.one], load: () => unaryLoad(scaling.one.address) },
  },
  {
    // As many requests in flight as the anchor has calls (8 connections × 32 streams): HTTP/1.1
    // carries one request at a time per connection, so 8 connections would measure latency.
    // Signed in, with the rate limit, access log and metrics on, as shipped.
    path: 'GET /api/hello via the gateway, signed in (h2load h1 c256)',
    goal: '≥ 0.90×',
    goalRatio: 0.9,
    quartet: { servers: [services.gateway, services.greeter], load: () => helloLoad(services.gateway) },
    anchorName: 'lean node:http gateway',
    anchor: { servers: [leanGateway, services.greeter], load: () => helloLoad(leanGateway) },
  },
  {
    path: 'GET /api/hello via the gateway, against the direct call',
    goal: 'cost of an HTTP hop (informative)',
    informative: true,
    quartet: { servers: [services.gateway, services.greeter], load: () => helloLoad(services.gateway) },
    anchorName: 'greeter over gRPC',
    anchor: { servers: [services.greeter], load: () => unaryLoad(services.greeter.address) },
  },
  {
    path: 'server stream Watch (8 × 1,000 ticks)',
    goal: '≥ 0.80×',
    goalRatio: 0.8,
    quartet: {
      servers: [services.ticker],
      load: () => streamLoad(['server-stream', services.ticker.address, seconds, 8, 1_000]),
    },
    anchorName: 'bare grpc-js',
    anchor: {
      servers: [anchors.serverStream],
      load: () => streamLoad(['server-stream', anchors.serverStream.address, seconds, 8, 1_000]),
    },
  },
  {
    path: `client stream Upload to disk + sha256 (2 × ${uploadMiB} MiB)`,
    goal: '≥ 0.80×',
    goalRatio: 0.8,
    quartet: {
      servers: [services.upload],
      load: () => streamLoad(['client-stream', services.upload.address, seconds, 2, uploadMiB]),
    },
    anchorName: 'bare grpc-js, fsync + rename',
    anchor: {
      servers: [anchors.clientStream],
      load: () => streamLoad(['client-stream', anchors.clientStream.address, seconds, 2, uploadMiB]),
    },
  },
  {
    path: `POST /api/uploads via the gateway (2 × ${uploadMiB} MiB)`,
    goal: '≥ 0.80×',
    goalRatio: 0.8,
    quartet: {
      servers: [services.gateway, services.upload],
      load: () =>
        streamLoad([
          'http-upload',
          `http://${services.gateway.address}`,
          seconds,
          2,
          uploadMiB,
          authorization,
        ]),
    },
    anchorName: 'upload over gRPC',
    anchor: {
      servers: [services.upload],
      load: () => streamLoad(['client-stream', services.upload.address, seconds, 2, uploadMiB]),
    },
  },
  chatRow(chatMembers, chatPostsPerSecond / 2, { goal: 'p99 < 100 ms, none cut off', maxP99Us: 100_000 }),
  chatRow(chatMembers, chatPostsPerSecond, { goal: '≥ 0.95×, none cut off', goalRatio: 0.95 }),
  chatRow(largeRoomMembers, largeRoomPostsPerSecond, {
    goal: `all join, p99 < 100 ms, peak RSS < ${LARGE_ROOM_MAX_RSS_MIB} MiB`,
    maxP99Us: 100_000,
    maxPeakMiB: LARGE_ROOM_MAX_RSS_MIB,
  }),
  {
    path: `slow peers: ${stalledPeers} stalled ticker watchers, SSE clients and chat members`,
    // What the stalled peers make each server hold: its peak with them over its peak in the
    // same round with the same room and no stalled peers.
    goal: 'peak RSS < +32 MiB over none stalled, none lost',
    maxGrowthMiB: 32,
    // Each side is measured right after the room has run once unmeasured: a server that sat
    // idle while other rows ran has let its heap shrink, and its first burst regrows it
    // whoever the peers are.
    warmUp: true,
    quartet: {
      servers: [slowPeerServices.ticker, slowPeerServices.chat, slowPeerServices.gateway],
      load: () =>
        streamLoad(['slow-peers', slowPeerTargets, seconds, stalledPeers, chatPostsPerSecond, authorization]),
    },
    anchorName: 'no stalled peers',
    anchor: {
      servers: [slowPeerServices.ticker, slowPeerServices.chat, slowPeerServices.gateway],
      load: () => streamLoad(['slow-peers', slowPeerTargets, seconds, 0, chatPostsPerSecond, authorization]),
    },
  },
];

/** One measurement: the load's result with the servers' CPU per unit and peak RSS. */
async function measure({ servers, load }) {
  for (const s of servers) resetPeakRss(s.pid);
  const rssBefore = servers.map((s) => rssBytes(s.pid));
  const cpuBefore = servers.reduce((sum, s) => sum + cpuSeconds(s.pid), 0);
  const result = await load();
  const cpu = servers.reduce((sum, s) => sum + cpuSeconds(s.pid), 0) - cpuBefore;
  const peaks = servers.map((s) => peakRssBytes(s.pid));
  const peakRss = Math.max(...peaks);
  const rssGrowth = Math.max(...peaks.map((peak, i) => peak - rssBefore[i]));
  const elapsed = result.unit === 'deliveries' ? seconds : result.elapsedSeconds;
  return {
    ...result,
    perSecond: result.done / elapsed,
    cpuUsPerUnit: (cpu * 1e6) / Math.max(1, result.done),
    peakRss,
    peaks,
    rssGrowth,
  };
}

/** The rounds of one side merged: throughput and CPU averaged, histograms added, the highest peak RSS. */
function merge(results) {
  const histogram = hdr.build();
  for (const r of results) histogram.add(hdr.decodeFromCompressedBase64(r.histogram));
  const mean = (key) => results.reduce((sum, r) => sum + r[key], 0) / results.length;
  return {
    unit: results[0].unit,
    perSecond: mean('perSecond'),
    perSecondByRound: results.map((r) => Math.round(r.perSecond)),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    cpuUsPerUnit: mean('cpuUsPerUnit'),
    p50Us: histogram.getValueAtPercentile(50),
    p99Us: histogram.getValueAtPercentile(99),
    maxUs: histogram.maxValue,
    peakRssMiB: Math.max(...results.map((r) => r.peakRss)) / 1024 / 1024,
    rssGrowthMiB: Math.max(...results.map((r) => r.rssGrowth)) / 1024 / 1024,
    ...(results[0].joined !== undefined ? { joined: Math.min(...results.map((r) => r.joined)) } : {}),
    ...(results[0].joinSeconds !== undefined
      ? { joinSeconds: Math.max(...results.map((r) => r.joinSeconds)) }
      : {}),
  };
}

const chosen = PATHS.filter((path) => values.only === undefined || path.path.includes(values.only));
const measured = chosen.map(() => ({ quartet: [], anchor: [] }));
for (let round = 1; round <= rounds; round += 1) {
  for (const [i, path] of chosen.entries()) {
    const order = round % 2 === 1 ? ['anchor', 'quartet'] : ['quartet', 'anchor'];
    for (const sideName of order) {
      if (path.warmUp) await path.anchor.load();
      console.error(`round ${round}/${rounds}: ${path.path}, ${sideName}`);
      measured[i][sideName].push(await measure(path[sideName]));
    }
  }
}

/** The most any server's peak RSS on quartet's side exceeded its peak on the anchor's side, in the same round. */
const extraPeakMiB = ({ quartet, anchor }) =>
  Math.max(
    ...quartet.map((q, round) => Math.max(...q.peaks.map((peak, s) => peak - anchor[round].peaks[s]))),
  ) /
  1024 /
  1024;

const rows = chosen.map((path, i) => {
  const quartet = merge(measured[i].quartet);
  const anchorSide = merge(measured[i].anchor);
  const extraMiB = path.maxGrowthMiB === undefined ? undefined : extraPeakMiB(measured[i]);
  const ratio = quartet.perSecond / anchorSide.perSecond;
  const everyoneServed =
    path.members === undefined || (quartet.joined === path.members && quartet.failed === 0);
  const met = path.informative
    ? undefined
    : everyoneServed &&
      (path.goalRatio === undefined || ratio >= path.goalRatio) &&
      (path.maxP99Us === undefined || quartet.p99Us < path.maxP99Us) &&
      (path.maxPeakMiB === undefined || quartet.peakRssMiB < path.maxPeakMiB) &&
      (path.maxGrowthMiB === undefined ||
        (extraMiB !== undefined && extraMiB < path.maxGrowthMiB && quartet.failed === 0));
  return {
    path: path.path,
    goal: path.goal,
    goalRatio: path.goalRatio,
    anchorName: path.anchorName,
    quartet,
    anchor: anchorSide,
    ratio,
    met,
    ...(extraMiB === undefined ? {} : { extraPeakMiB: extraMiB }),
  };
});

const report = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`,
  settings: `${rounds} round(s) of ${seconds} s per side, alternating; ${pinned ? `servers pinned to core ${SERVER_CORE}, loads to core ${LOAD_CORE}` : 'no taskset: nothing pinned'}${quick ? '; --quick (figures not meaningful)' : ''}`,
  notes: [
    'Anchors are bare @grpc/grpc-js servers with the generated codecs (tools/bench/anchors); gateway paths are anchored to the same service called directly over gRPC.',
    'CPU/msg is the servers’ user + system CPU time over the messages (calls, ticks, deliveries; for uploads per MiB); peak RSS is the largest resident set of the path’s servers during its runs, and (+N) the most any of them grew over its resident set when the run began.',
    'Load generators: h2load (C) for unary and HTTP requests; a raw node:http2 client with the generated codecs for streams (tools/bench/loads).',
  ],
  rows,
};
console.log(writeReport(resolve(values.out), report));
console.error(`wrote ${join(resolve(values.out), 'results.json')}, results.md and chart.svg`);
process.exit(0);
