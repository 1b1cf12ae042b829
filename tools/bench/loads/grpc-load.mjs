#!/usr/bin/env node
// A lean load generator for the streaming paths: raw node:http2 with messages coded by hand
// (no grpc-js, no protobuf library), so that it is not the bottleneck. Prints one JSON line:
// what was done, and a latency histogram (microseconds, hdr-histogram-js, compressed base64).
//
//   node loads/grpc-load.mjs server-stream <address> <seconds> <streams> <ticks>
//   node loads/grpc-load.mjs client-stream <address> <seconds> <uploads> <MiB>
//   node loads/grpc-load.mjs bidi <address[,address]> <seconds> <members> <posts/s>
//   node loads/grpc-load.mjs http-upload <url> <seconds> <uploads> <MiB> <authorization>
import { connect } from 'node:http2';
import { request as httpRequest, Agent } from 'node:http';
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

async function bidi() {
  const addresses = target.split(',');
  const sentAt = new Map();
  const members = [];
  let joined = 0;
  for (let i = 0; i < count; i += 1) {
    const address = addresses[i % addresses.length];
    const member = call(
      sessionFor(address, Math.floor(i / addresses.length)),
      '/chat.v1.ChatService/Chat',
      (frame) => {
        const fields = readFields(frame);
        if (fields.has(1)) joined += 1;
        const message = fields.get(2);
        if (!message) return;
        const started = sentAt.get(readFields(message).get(6)?.toString() ?? '');
        if (started === undefined) return;
        latencies.recordValue(Math.max(1, Math.round((performance.now() - started) * 1_000)));
        done += 1;
      },
    );
    member.stream.write(
      grpcFrame(bytesField(1, Buffer.concat([stringField(1, 'bench'), stringField(2, `m${i}`)]))),
    );
    members.push(member);
  }
  const joinDeadline = performance.now() + 30_000;
  while (joined < count && performance.now() < joinDeadline) await new Promise((r) => setTimeout(r, 20));
  const cutOff = count - joined;
  // Posts at a fixed rate from the first member, each with its send time's key as client_id.
  const poster = members[0].stream;
  let posted = 0;
  const started = performance.now();
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1_000) * size);
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
  failed = cutOff + posted * joined - done;
  for (const member of members) member.stream.close();
  return { unit: 'deliveries', joined, posted };
}

const styles = {
  'server-stream': serverStream,
  'client-stream': clientStream,
  bidi,
  'http-upload': httpUpload,
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
