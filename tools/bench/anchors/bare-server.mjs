#!/usr/bin/env node
// The benchmark's anchors: bare @grpc/grpc-js servers, one for each call style, with
// messages coded by hand and nothing else around them (no NestJS, no interceptors, no
// logging, no health). What the quartet services are measured against, on the same machine.
//
//   node tools/bench/anchors/bare-server.mjs unary|server-stream|client-stream|bidi [dir]
// Logs {"message":{"event":"listening","address":...}} once it listens on 127.0.0.1:0.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesField, doubleField, readFields, stringField, varintField } from '../lib/protobuf.mjs';

const require = createRequire(fileURLToPath(import.meta.url));
const grpc = require('@grpc/grpc-js');

const style = process.argv[2];
const method = (path, requestStream, responseStream) => ({
  path,
  requestStream,
  responseStream,
  requestSerialize: (buffer) => buffer,
  requestDeserialize: (buffer) => buffer,
  responseSerialize: (buffer) => buffer,
  responseDeserialize: (buffer) => buffer,
});

/** SayHello: `Hello <name>`. */
function unary(server) {
  server.addService(
    { sayHello: method('/helloworld.Greeter/SayHello', false, false) },
    {
      sayHello: (call, callback) => {
        const name = readFields(call.request).get(1)?.toString('utf8') ?? '';
        callback(null, stringField(1, `Hello ${name}`));
      },
    },
  );
}

/** Watch: `count` ticks (field 2), written as fast as the client reads (write() false waits for drain). */
function serverStream(server) {
  server.addService(
    { watch: method('/ticker.v1.TickerService/Watch', false, true) },
    {
      watch: (call) => {
        const count = Number(readFields(call.request).get(2) ?? 0) || 1_000;
        let seq = 0;
        const next = () => {
          while (seq < count) {
            seq += 1;
            const now = Date.now();
            const time = Buffer.concat([
              varintField(1, Math.floor(now / 1_000)),
              varintField(2, (now % 1_000) * 1e6),
            ]);
            const tick = Buffer.concat([
              stringField(1, 'ACME'),
              varintField(2, seq),
              doubleField(3, 100 + seq / 100),
              bytesField(4, time),
            ]);
            if (!call.write(tick)) return void call.once('drain', next);
          }
          call.end();
        };
        next();
      },
    },
  );
}

/** Upload: every chunk (field 2) to a file with its sha256, answered once the client half-closes. */
function clientStream(server, dir) {
  let files = 0;
  server.addService(
    { upload: method('/upload.v1.UploadService/Upload', true, false) },
    {
      upload: (call, callback) => {
        const path = join(dir, `upload-${(files += 1)}`);
        const file = createWriteStream(path);
        const hash = createHash('sha256');
        let size = 0;
        call.on('data', (message) => {
          const chunk = readFields(message).get(2);
          if (!chunk) return;
          hash.update(chunk);
          size += chunk.length;
          if (!file.write(chunk)) {
            call.pause();
            file.once('drain', () => call.resume());
          }
        });
        call.on('end', () =>
          file.end(() => {
            rmSync(path, { force: true });
            callback(null, Buffer.concat([varintField(3, size), stringField(5, hash.digest('hex'))]));
          }),
        );
      },
    },
  );
}

/** Chat: every post is sent to every member of the one room, encoded once. */
function bidi(server) {
  const members = new Set();
  let seq = 0;
  server.addService(
    { chat: method('/chat.v1.ChatService/Chat', true, true) },
    {
      chat: (call) => {
        call.on('data', (request) => {
          const fields = readFields(request);
          if (fields.has(1)) {
            members.add(call);
            call.write(bytesField(1, Buffer.alloc(0)));
            return;
          }
          const post = readFields(fields.get(2) ?? Buffer.alloc(0));
          seq += 1;
          const message = bytesField(
            2,
            Buffer.concat([
              varintField(2, seq),
              bytesField(4, post.get(1) ?? Buffer.alloc(0)),
              bytesField(6, post.get(2) ?? Buffer.alloc(0)),
            ]),
          );
          for (const member of members) member.write(message);
        });
        const leave = () => members.delete(call);
        call.on('end', () => {
          leave();
          call.end();
        });
        call.on('cancelled', leave);
        call.on('error', leave);
      },
    },
  );
}

const server = new grpc.Server();
const dir =
  style === 'client-stream' ? mkdtempSync(join(process.argv[3] ?? '/tmp', 'bare-upload-')) : undefined;
({ unary, 'server-stream': serverStream, 'client-stream': clientStream, bidi })[style](server, dir);
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  console.log(JSON.stringify({ message: { event: 'listening', address: `127.0.0.1:${port}` } }));
});
process.on('SIGTERM', () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
