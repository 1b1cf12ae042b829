#!/usr/bin/env node
// A lean load generator for the streaming paths: raw node:http2 with messages coded by hand
// (no grpc-js, no protobuf library), so that it is not the bottleneck. Prints one JSON line:
// what was done, and a latency histogram (microseconds, hdr-histogram-js, compressed base64).
//
//   node loads/grpc-load.mjs server-stream <address> <seconds> <streams> <ticks>
//   node loads/grpc-load.mjs client-stream <address> <seconds> <uploads> <MiB>
//   node loads/grpc-load.mjs bidi <address[,address]> <seconds> <members> <posts/s>
//   node loads/grpc-load.mjs http-upload <url> <seconds> <uploads> <MiB> <authorization>
//   node loads/grpc-load.mjs slow-peers <ticker,chat,gateway url> <seconds> <stalled peers> <posts/s> <authorization>
import { connect } from 'node:http2';
import { request as httpRequest, get as httpGet, Agent } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bytesField, grpcFrame, readFields, stringField, varintField } from '../lib/protobuf.mjs';

const require = createRequire(fileURLToPath(import.meta.url));
const hdr = require('hdr-histogram-js');

const [style, target, secondsText, countText, sizeText, authorization] = process.argv.slice(2);
const seconds = Number(secondsText);
const count = Number(countText);
const size = Number(sizeText);
const latencies = hdr.build();
const until = performance.now() + seconds * 1_000;
/** HTTP/2 sessions, each carrying at most this many calls: under any server's stream limit. */
const CALLS_PER_SESSION = 64;
/** The members that read in the slow-peers room. */
const READING_MEMBERS = 20;

const sessions = [];
function sessionFor(address, index) {
  const slot = Math.floor(index / CALLS_PER_SESSION);
  const key = `${address}#${slot}`;
  let session = sessions.find((s) => s.key === key);
  if (!session) {
    session = { key, http2: connect(`http://${address}`) };
    session.http2.on('error', () => undefined);
    sessions.push(session);
  }
  return session.http2;
}

/** One gRPC call: `onMessage` for each whole response message; resolves with the grpc-status. */
function call(session, path, onMessage) {
  const stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  let pending = Buffer.alloc(0);
  stream.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) break;
      onMessage(pending.subarray(5, 5 + length));
      pending = pending.subarray(5 + length);
    }
  });
  const done = new Promise((resolve) => {
    let code = 'none';
    stream.on('trailers', (trailers) => (code = trailers['grpc-status']));
    stream.on(
      'response',
      (headers) => headers['grpc-status'] !== undefined && (code = headers['grpc-status']),
    );
    stream.on('close', () => resolve(code));
    stream.on('error', () => undefined);
  });
  return { stream, done };
}

let done = 0;
let failed = 0;

async function serverStream() {
  const request = grpcFrame(Buffer.concat([stringField(1, 'ACME'), varintField(2, size), varintField(3, 0)]));
  const watcher = async (index) => {
    while (performance.now() < until) {
      const started = performance.now();
      const { stream, done: ended } = call(
        sessionFor(target, index),
        '/ticker.v1.TickerService/Watch',
        () => (done += 1),
      );
      stream.end(request);
      if ((await ended) === '0') latencies.recordValue(Math.round((performance.now() - started) * 1_000));
      else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: count }, (_, i) => watcher(i)));
  return { unit: 'ticks' };
}

async function clientStream() {
  const info = grpcFrame(
    bytesField(1, Buffer.concat([stringField(1, 'bench.bin'), stringField(2, 'application/octet-stream')])),
  );
  const chunk = grpcFrame(bytesField(2, Buffer.alloc(1024 * 1024, 7)));
  const uploader = async (index) => {
    while (performance.now() < until) {
      const started = performance.now();
      const { stream, done: ended } = call(
        sessionFor(target, index),
        '/upload.v1.UploadService/Upload',
        () => undefined,
      );
      stream.write(info);
      for (let i = 0; i < size; i += 1) {
        if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
      }
      stream.end();
      if ((await ended) === '0') {
        latencies.recordValue(Math.round((performance.now() - started) * 1_000));
        done += size * 1024 * 1024;
      } else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: count }, (_, i) => uploader(i)));
  return { unit: 'bytes' };
}

async function httpUpload() {
  const agent = new Agent({ keepAlive: true, maxSockets: count });
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const uploader = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      const status = await new Promise((resolve) => {
        const req = httpRequest(
          `${target}/api/uploads?name=bench.bin`,
          {
            method: 'POST',
            agent,
            headers: {
              authorization,
              'content-type': 'application/octet-stream',
              'content-length': size * chunk.length,
            },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode));
          },
        );
        req.on('error', () => resolve(0));
        const write = async () => {
          for (let i = 0; i < size; i += 1) {
            if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
          }
          req.end();
        };
        void write();
      });
      if (status === 201) {
        latencies.recordValue(Math.round((performance.now() - started) * 1_000));
        done += size * chunk.length;
      } else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: count }, uploader));
  agent.destroy();
  return { unit: 'bytes' };
}

/**
 * `members` members of one chat room named `${prefix}${i}`, spread over `addresses` in turn;
 * `onJoined` for each one's Joined, `onPost` with each delivered post's client_id.
 */
function joinMembers(addresses, room, prefix, members, onJoined, onPost) {
  return Array.from({ length: members }, (_, i) => {
    const address = addresses[i % addresses.length];
    const member = call(
      sessionFor(address, Math.floor(i / addresses.length)),
      '/chat.v1.ChatService/Chat',
      (frame) => {
        const fields = readFields(frame);
        if (fields.has(1)) onJoined();
        const message = fields.get(2);
        if (message) onPost(readFields(message).get(6)?.toString() ?? '');
      },
    );
    member.stream.write(
      grpcFrame(bytesField(1, Buffer.concat([stringField(1, room), stringField(2, `${prefix}${i}`)]))),
    );
    return member;
  });
}

/** Records a post's delivery latency, from the time its client_id was sent. */
const deliveryTo = (sentAt) => (id) => {
  const started = sentAt.get(id);
  if (started === undefined) return;
  latencies.recordValue(Math.max(1, Math.round((performance.now() - started) * 1_000)));
  done += 1;
};

/** Waits (up to `ms`) until `joined()` reaches `members`. */
async function joinedAll(joined, members, ms) {
  const deadline = performance.now() + ms;
  while (joined() < members && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/** Posts at `perSecond` from `poster` until the run ends, each with its send time's key as client_id. */
async function postSteadily(poster, perSecond, sentAt) {
  let posted = 0;
  const started = performance.now();
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1_000) * perSecond);
      while (posted < due) {
        posted += 1;
        const id = `p${posted}`;
        sentAt.set(id, performance.now());
        poster.write(
          grpcFrame(bytesField(2, Buffer.concat([stringField(1, `post ${posted}`), stringField(2, id)]))),
        );
      }
      if (performance.now() >= until) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  await new Promise((r) => setTimeout(r, 1_000)); // the last posts' deliveries
  return posted;
}

async function bidi() {
  const sentAt = new Map();
  let joined = 0;
  const members = joinMembers(
    target.split(','),
    'bench',
    'm',
    count,
    () => (joined += 1),
    deliveryTo(sentAt),
  );
  await joinedAll(() => joined, count, 30_000);
  const posted = await postSteadily(members[0].stream, size, sentAt);
  failed = count - joined + posted * joined - done;
  for (const member of members) member.stream.close();
  return { unit: 'deliveries', joined, posted };
}

/**
 * Peers that open streams and never read (ticker watchers over gRPC, chat members, SSE
 * clients of the gateway), beside a room of members that do read while one posts at
 * `size` posts/s: what the servers' memory does under stalled peers, and whether the reading
 * members still get every post in time. With `count` 0 it is the same room without them.
 */
async function slowPeers() {
  const [tickerAddress, chatAddress, gatewayUrl] = target.split(',');
  const stalled = [];
  const watch = grpcFrame(Buffer.concat([stringField(1, 'ACME'), varintField(2, 0), varintField(3, 0)]));
  for (let i = 0; i < count; i += 1) {
    const watcher = call(sessionFor(tickerAddress, i), '/ticker.v1.TickerService/Watch', () => undefined);
    watcher.stream.pause();
    watcher.stream.end(watch);
    const sse = httpGet(
      `${gatewayUrl}/api/ticker/ACME?intervalMs=0`,
      { headers: { authorization } },
      (response) => response.pause(),
    );
    sse.on('error', () => undefined);
    stalled.push(watcher.stream, sse);
  }
  // The stalled members join first, so that every post is one more event waiting for them.
  for (const member of joinMembers(
    [chatAddress],
    'slow-peers',
    'mute',
    count,
    () => undefined,
    () => undefined,
  )) {
    member.stream.pause();
    stalled.push(member.stream);
  }
  const sentAt = new Map();
  let joined = 0;
  const readers = joinMembers(
    [chatAddress],
    'slow-peers',
    'reader',
    READING_MEMBERS,
    () => (joined += 1),
    deliveryTo(sentAt),
  );
  await joinedAll(() => joined, READING_MEMBERS, 10_000);
  const posted = await postSteadily(readers[0].stream, size, sentAt);
  failed = READING_MEMBERS - joined + posted * joined - done;
  for (const stream of [...readers.map((r) => r.stream), ...stalled]) stream.destroy();
  return { unit: 'deliveries', joined, posted };
}

const styles = {
  'server-stream': serverStream,
  'client-stream': clientStream,
  bidi,
  'http-upload': httpUpload,
  'slow-peers': slowPeers,
};
const started = performance.now();
const extra = await styles[style]();
const elapsed = (performance.now() - started) / 1_000;
for (const session of sessions) session.http2.close();
console.log(
  JSON.stringify({
    done,
    failed,
    elapsedSeconds: elapsed,
    histogram: hdr.encodeIntoCompressedBase64(latencies),
    ...extra,
  }),
);
process.exit(0);
