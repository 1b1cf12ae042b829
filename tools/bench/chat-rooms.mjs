#!/usr/bin/env node
// One chat room under load in each store: the in-memory store (one replica holds the room)
// and Redis (the room spread over three replicas sharing a local redis-server), with as many
// members and posters in the room either way. Three members post in a closed loop (each its
// next post once its own last one came back), one per replica on Redis, and every member
// hears every post; the figures are stored posts a second and the fan-out latency, from a post's sending
// to its arrival at each member, over all members. Prints one table.
//
//   npm run bench:chat                                  10 s a store, 4 members a replica
//   npm run bench:chat -- --seconds=30 --members=8
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { credentials, status } from '@grpc/grpc-js';
import { startRedisServer } from '@quartet/processes';
import { ChatServiceDefinition, grpcClientConstructor } from '@quartet/proto';
import { listeningAddress, startPinned } from './lib/processes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    members: { type: 'string', default: '4' },
  },
});
const seconds = Number(values.seconds);
const membersPerReplica = Number(values.members);
const REPLICAS = 3;

const redisDir = mkdtempSync(join(tmpdir(), 'quartet-bench-redis-'));
process.on('exit', () => rmSync(redisDir, { recursive: true, force: true }));

/** A built chat replica; resolves with its address once it listens and its store can serve. */
function chatReplica(id, env = {}) {
  let address;
  let storeAvailable = env.REDIS_URL === undefined;
  return startPinned({
    name: id,
    command: process.execPath,
    args: [join(root, 'dist/apps/chat/main.js')],
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      INSTANCE_ID: id,
      LOG_FORMAT: 'json',
      CHAT_MAX_BACKLOG: '100000',
      // The bench measures the room, not the per-member limit: three members post in a closed loop.
      CHAT_POSTS_PER_SECOND: '1000000',
      ...env,
    },
    ready: (line) => {
      address ??= listeningAddress(line);
      if (line.includes('"event":"chat-store"') && line.includes('"state":"available"'))
        storeAvailable = true;
      return address && storeAvailable ? address : undefined;
    },
  }).then(({ value }) => value);
}

const Chat = grpcClientConstructor(ChatServiceDefinition);

/**
 * A member on `address` that records each post's fan-out latency; a poster also posts in a
 * closed loop once `go` is called. `lost` counts members whose call ended early (cut off).
 */
function member(address, user, room, poster, sentAt, latencies, lost) {
  const client = new Chat(address, credentials.createInsecure());
  const call = client.chat();
  let joined;
  let refused;
  const ready = new Promise((resolve, reject) => {
    joined = resolve;
    refused = reject;
  });
  let until = 0;
  let posted = 0;
  const post = () => {
    if (!poster || performance.now() >= until) return;
    const id = `${user}-${(posted += 1)}`;
    sentAt.set(id, performance.now());
    call.write({ action: { $case: 'post', value: { text: id, clientId: id } } });
  };
  call.on('data', ({ event }) => {
    if (event?.$case === 'joined') joined();
    if (event?.$case !== 'message') return;
    const started = sentAt.get(event.value.clientId);
    if (started !== undefined) latencies.push(performance.now() - started);
    if (event.value.user === user) post();
  });
  // Before the join: the bench cannot run. After it: the end of the measurement cancels every call.
  call.on('error', (/** @type {import('@grpc/grpc-js').ServiceError} */ error) => {
    refused(new Error(`${user} could not join: ${error.message}`));
    if (error.code !== status.CANCELLED) lost.count += 1;
  });
  call.write({ action: { $case: 'join', value: { room, user, sinceSeq: 0n } } });
  return {
    ready,
    go: (ms) => {
      until = performance.now() + ms;
      post();
    },
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

/** `membersEach` members on each of `replicaAddresses`, all in one room, `postersEach` of them posting. */
async function measure(store, replicaAddresses, membersEach, postersEach) {
  const sentAt = new Map();
  const latencies = [];
  const lost = { count: 0 };
  const room = `bench-${store.replace(/\W/g, '').toLowerCase()}`;
  const members = replicaAddresses.flatMap((address, r) =>
    Array.from({ length: membersEach }, (_, m) =>
      member(address, `u${r}-${m}`, room, m < postersEach, sentAt, latencies, lost),
    ),
  );
  await Promise.all(members.map((m) => m.ready));
  for (const m of members) m.go(1_000); // warm-up
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  latencies.length = 0;
  sentAt.clear();
  const started = performance.now();
  for (const m of members) m.go(seconds * 1_000);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000 + 500));
  const elapsed = performance.now() - started;
  for (const m of members) m.close();
  const sorted = latencies.sort((a, b) => a - b);
  const percentile = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return [
    store,
    `${replicaAddresses.length} × ${membersEach}`,
    `${Math.round(sentAt.size / (elapsed / 1_000)).toLocaleString('en-US')}`,
    `${Math.round(latencies.length / (elapsed / 1_000)).toLocaleString('en-US')}`,
    `${percentile(50).toFixed(2)} ms`,
    `${percentile(99).toFixed(2)} ms`,
    String(lost.count),
  ];
}

const rows = [];
// As many members in the room as on Redis, all on the one replica that holds it.
rows.push(
  await measure('in memory', [await chatReplica('chat-memory')], REPLICAS * membersPerReplica, REPLICAS),
);
process.stderr.write('measured the in-memory store\n');
{
  const redis = await startRedisServer({ dir: redisDir });
  process.on('exit', () => redis.child.kill('SIGKILL'));
  const spread = await Promise.all(
    Array.from({ length: REPLICAS }, (_, i) => chatReplica(`chat-${i + 1}`, { REDIS_URL: redis.url })),
  );
  rows.push(await measure('Redis', spread, membersPerReplica, 1));
  process.stderr.write('measured the Redis store\n');
  await redis.stop();
}

const header = [
  'store',
  'replicas × members',
  'posts/s',
  'deliveries/s',
  'fan-out p50',
  'fan-out p99',
  'members cut off',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
console.log(
  [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'),
);
process.exit(0);
