// A lean load generator for the streaming paths: raw node:http2 (no grpc-js) with the contracts'
// generated codecs, requests encoded once, so that it is not the bottleneck. Prints one JSON line:
// what was done, and a latency histogram (microseconds, hdr-histogram-js, compressed base64).
//
//   run-ts loads/grpc-load.mts server-stream <address> <seconds> <streams> <ticks>
//   run-ts loads/grpc-load.mts client-stream <address> <seconds> <uploads> <MiB>
//   run-ts loads/grpc-load.mts bidi <address[,address]> <seconds> <members> <posts/s>
//   run-ts loads/grpc-load.mts http-upload <url> <seconds> <uploads> <MiB> <authorization>
//   run-ts loads/grpc-load.mts slow-peers <ticker,chat,gateway url> <seconds> <stalled peers> <posts/s> <authorization>
import { type ClientHttp2Session, type ClientHttp2Stream, connect } from 'node:http2';
import { request as httpRequest, get as httpGet, Agent, type ClientRequest } from 'node:http';
import { grpcFrame, grpcRequestHeaders } from '@quartet/grpc-testing';
import { ChatRequest, ChatResponse, type MessageCodec, UploadRequest, WatchRequest } from '@quartet/proto';
import * as hdr from 'hdr-histogram-js';

const [style, target = '', secondsText, countText, sizeText, authorization = ''] = process.argv.slice(2);
const seconds = Number(secondsText);
const count = Number(countText);
const size = Number(sizeText);
const latencies = hdr.build();
const until = performance.now() + seconds * 1_000;
/** HTTP/2 sessions, each carrying at most this many calls: under any server's stream limit. */
const CALLS_PER_SESSION = 64;
/** The members that read in the slow-peers room. */
const READING_MEMBERS = 20;

/** A message as one uncompressed gRPC frame, coded by its contract. */
const frameOf = <T,>(codec: MessageCodec<T>, message: T): Buffer => grpcFrame(codec.encode(message).finish());

const sessions: { key: string; http2: ClientHttp2Session }[] = [];
function sessionFor(address: string, index: number): ClientHttp2Session {
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
function call(
  session: ClientHttp2Session,
  path: string,
  onMessage: (message: Buffer) => void,
): { stream: ClientHttp2Stream; done: Promise<string> } {
  const stream = session.request(grpcRequestHeaders(path));
  let pending: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) break;
      onMessage(pending.subarray(5, 5 + length));
      pending = pending.subarray(5 + length);
    }
  });
  const done = new Promise<string>((resolve) => {
    let code = 'none';
    stream.on('trailers', (trailers) => (code = String(trailers['grpc-status'])));
    stream.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) code = String(headers['grpc-status']);
    });
    stream.on('close', () => resolve(code));
    stream.on('error', () => undefined);
  });
  return { stream, done };
}

let done = 0;
let failed = 0;

async function serverStream() {
  const request = frameOf(WatchRequest, { symbol: 'ACME', count: size, intervalMs: 0, fromSeq: 0n });
  const watcher = async (index: number) => {
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
  const info = frameOf(UploadRequest, {
    payload: { $case: 'info', value: { name: 'bench.bin', contentType: 'application/octet-stream' } },
  });
  const chunk = frameOf(UploadRequest, { payload: { $case: 'chunk', value: Buffer.alloc(1024 * 1024, 7) } });
  const uploader = async (index: number) => {
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
      const status = await new Promise<number>((resolve) => {
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
            response.on('end', () => resolve(response.statusCode ?? 0));
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
function joinMembers(
  addresses: readonly string[],
  room: string,
  prefix: string,
  members: number,
  onJoined: () => void,
  onPost: (clientId: string) => void,
) {
  return Array.from({ length: members }, (_, i) => {
    const address = addresses[i % addresses.length] ?? '';
    const member = call(
      sessionFor(address, Math.floor(i / addresses.length)),
      '/chat.v1.ChatService/Chat',
      (frame) => {
        const { event } = ChatResponse.decode(frame);
        if (event?.$case === 'joined') onJoined();
        else if (event?.$case === 'message') onPost(event.value.clientId);
      },
    );
    member.stream.write(
      frameOf(ChatRequest, {
        action: { $case: 'join', value: { room, user: `${prefix}${i}`, sinceSeq: 0n } },
      }),
    );
    return member;
  });
}

/** Records a post's delivery latency, from the time its client_id was sent. */
const deliveryTo = (sentAt: Map<string, number>) => (id: string) => {
  const started = sentAt.get(id);
  if (started === undefined) return;
  latencies.recordValue(Math.max(1, Math.round((performance.now() - started) * 1_000)));
  done += 1;
};

/** Waits (up to `ms`) until `joined()` reaches `members`. */
async function joinedAll(joined: () => number, members: number, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (joined() < members && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/** Posts at `perSecond` from `poster` until the run ends, each with its send time's key as client_id. */
async function postSteadily(
  poster: ClientHttp2Stream,
  perSecond: number,
  sentAt: Map<string, number>,
): Promise<number> {
  let posted = 0;
  const started = performance.now();
  // The run's seconds count from here, not from the start: a large room takes a while to join.
  const end = started + seconds * 1_000;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1_000) * perSecond);
      while (posted < due) {
        posted += 1;
        const id = `p${posted}`;
        sentAt.set(id, performance.now());
        poster.write(
          frameOf(ChatRequest, {
            action: { $case: 'post', value: { text: `post ${posted}`, clientId: id } },
          }),
        );
      }
      if (performance.now() >= end) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  await new Promise((r) => setTimeout(r, 1_000)); // the last posts' deliveries
  return posted;
}

/**
 * `members` members of `room` that read, the first posting at `size` posts/s until the run
 * ends; `failed` becomes the deliveries that did not arrive.
 */
async function postToReadingRoom(
  addresses: readonly string[],
  room: string,
  prefix: string,
  members: number,
  joinWithinMs: number,
) {
  const sentAt = new Map<string, number>();
  let joined = 0;
  const joinStarted = performance.now();
  const readers = joinMembers(addresses, room, prefix, members, () => (joined += 1), deliveryTo(sentAt));
  await joinedAll(() => joined, members, joinWithinMs);
  const joinSeconds = (performance.now() - joinStarted) / 1_000;
  const [poster] = readers;
  if (!poster) throw new Error(`${room} needs one reading member at least`);
  const posted = await postSteadily(poster.stream, size, sentAt);
  failed = members - joined + posted * joined - done;
  return { readers, joined, posted, joinSeconds };
}

async function bidi() {
  // A join storm of 10,000 members is given 100 s.
  // A room of its own: one that earlier runs posted to would replay its history to every join.
  const { readers, joined, posted, joinSeconds } = await postToReadingRoom(
    target.split(','),
    `bench-${process.pid}`,
    'm',
    count,
    Math.max(30_000, count * 10),
  );
  for (const member of readers) member.stream.close();
  return { unit: 'deliveries', joined, posted, joinSeconds };
}

/**
 * Peers that open streams and never read (ticker watchers over gRPC, chat members, SSE
 * clients of the gateway), beside a room of members that do read while one posts at
 * `size` posts/s: what the servers' memory does under stalled peers, and whether the reading
 * members still get every post in time. With `count` 0 it is the same room without them.
 */
async function slowPeers() {
  const [tickerAddress = '', chatAddress = '', gatewayUrl = ''] = target.split(',');
  const stalled: (ClientHttp2Stream | ClientRequest)[] = [];
  const watch = frameOf(WatchRequest, { symbol: 'ACME', count: 0, intervalMs: 0, fromSeq: 0n });
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
  const { readers, joined, posted } = await postToReadingRoom(
    [chatAddress],
    'slow-peers',
    'reader',
    READING_MEMBERS,
    10_000,
  );
  for (const stream of [...readers.map((r) => r.stream), ...stalled]) stream.destroy();
  return { unit: 'deliveries', joined, posted };
}

const styles: Record<string, () => Promise<Record<string, unknown>>> = {
  'server-stream': serverStream,
  'client-stream': clientStream,
  bidi,
  'http-upload': httpUpload,
  'slow-peers': slowPeers,
};
const started = performance.now();
const run = styles[style ?? ''];
if (!run) throw new Error(`${style}: give one of ${Object.keys(styles).join(', ')}`);
const extra = await run();
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
