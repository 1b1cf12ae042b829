// The benchmark's anchors: bare @grpc/grpc-js servers, one for each call style, with the
// contracts' generated codecs (as the services use) and nothing else around them: no NestJS,
// no interceptors, no logging, no health. What the quartet services are measured against, on
// the same machine.
//
//   run-ts tools/bench/anchors/bare-server.mts unary|server-stream|client-stream|bidi [dir]
// Logs {"message":{"event":"listening","address":...}} once it listens on 127.0.0.1:0.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type sendUnaryData,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import {
  type ChatRequest,
  type ChatResponse,
  ChatServiceDefinition,
  GreeterDefinition,
  grpcServiceDefinition,
  type HelloReply,
  type HelloRequest,
  sentToMany,
  TickerServiceDefinition,
  type UploadRequest,
  type UploadResponse,
  UploadServiceDefinition,
  type WatchRequest,
  type WatchResponse,
} from '@quartet/proto';

const style = process.argv[2];

/** SayHello: `Hello <name>`. */
function unary(server: Server): void {
  server.addService(grpcServiceDefinition(GreeterDefinition), {
    SayHello: (call: ServerUnaryCall<HelloRequest, HelloReply>, callback: sendUnaryData<HelloReply>) =>
      callback(null, { message: `Hello ${call.request.name}` }),
  });
}

/** Watch: `count` ticks, written as fast as the client reads (write() false waits for drain). */
function serverStream(server: Server): void {
  server.addService(grpcServiceDefinition(TickerServiceDefinition), {
    Watch: (call: ServerWritableStream<WatchRequest, WatchResponse>) => {
      const count = call.request.count || 1_000;
      let seq = 0;
      const next = (): void => {
        while (seq < count) {
          seq += 1;
          const tick = { symbol: 'ACME', seq: BigInt(seq), price: 100 + seq / 100, time: new Date() };
          if (!call.write(tick)) return void call.once('drain', next);
        }
        call.end();
      };
      next();
    },
  });
}

/**
 * Upload: every chunk to a temporary file with its sha256; once the client half-closes, the
 * file is fsynced and renamed to its name before the answer, as a durable upload must be
 * (then removed: the bench sends many).
 */
function clientStream(server: Server, dir: string): void {
  let files = 0;
  server.addService(grpcServiceDefinition(UploadServiceDefinition), {
    Upload: (
      call: ServerReadableStream<UploadRequest, UploadResponse>,
      callback: sendUnaryData<UploadResponse>,
    ) => {
      const path = join(dir, `upload-${(files += 1)}`);
      const partial = `${path}.partial`;
      // flush: the file is fsynced before it closes.
      const file = createWriteStream(partial, { flush: true });
      const hash = createHash('sha256');
      let size = 0;
      let chunks = 0;
      call.on('data', ({ payload }: UploadRequest) => {
        if (payload?.$case !== 'chunk') return;
        hash.update(payload.value);
        size += payload.value.length;
        chunks += 1;
        if (!file.write(payload.value)) {
          call.pause();
          file.once('drain', () => call.resume());
        }
      });
      file.on('error', (error) => callback(error));
      call.on('end', () => {
        file.once('close', () => {
          renameSync(partial, path);
          rmSync(path, { force: true });
          callback(null, {
            id: '',
            name: '',
            size: BigInt(size),
            chunks,
            sha256: hash.digest('hex'),
            owner: '',
          });
        });
        file.end();
      });
    },
  });
}

/** Chat: every post is sent to every member of the one room, encoded once (sentToMany). */
function bidi(server: Server): void {
  const members = new Set<ServerDuplexStream<ChatRequest, ChatResponse>>();
  let seq = 0n;
  server.addService(grpcServiceDefinition(ChatServiceDefinition), {
    Chat: (call: ServerDuplexStream<ChatRequest, ChatResponse>) => {
      call.on('data', ({ action }: ChatRequest) => {
        if (action?.$case === 'join') {
          members.add(call);
          const { room, user } = action.value;
          call.write({
            event: {
              $case: 'joined',
              value: {
                room,
                user,
                members: [],
                memberCount: members.size,
                lastSeq: seq,
                historyTrimmed: false,
              },
            },
          });
          return;
        }
        if (action?.$case !== 'post') return;
        seq += 1n;
        const { text, clientId } = action.value;
        const message = sentToMany<ChatResponse>({
          event: { $case: 'message', value: { room: '', seq, user: '', text, time: undefined, clientId } },
        });
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
  });
}

const server = new Server();
const dir =
  style === 'client-stream' ? mkdtempSync(join(process.argv[3] ?? '/tmp', 'bare-upload-')) : undefined;
if (style === 'unary') unary(server);
else if (style === 'server-stream') serverStream(server);
else if (style === 'client-stream' && dir) clientStream(server, dir);
else if (style === 'bidi') bidi(server);
else throw new Error(`${style}: give unary, server-stream, client-stream or bidi`);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  console.log(JSON.stringify({ message: { event: 'listening', address: `127.0.0.1:${port}` } }));
});
process.on('SIGTERM', () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
