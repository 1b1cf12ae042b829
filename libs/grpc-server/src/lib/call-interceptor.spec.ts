import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { Server, ServerCredentials, type ServerDuplexStream, type ServiceError, status } from '@grpc/grpc-js';
import { ConsoleLogger } from '@nestjs/common';
import { CallAuth } from './call-auth';
import { callInterceptor } from './call-interceptor';
import { OpenCalls } from './open-calls';
import { ServerMetrics } from './server-metrics';

const identity = (bytes: Buffer) => bytes;
const frame = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0, bytes.length]), bytes]);

/** What a client that never half-closes sees of one call: its status, then how the stream ended. */
async function callWithoutHalfClose(session: ClientHttp2Session, path: string) {
  const stream: ClientHttp2Stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.on('data', () => undefined);
  stream.on('error', () => undefined);
  const statusOf = (headers: Record<string, unknown>) => headers['grpc-status'];
  const answered = new Promise<unknown>((resolve) => {
    stream.on('response', (headers) => statusOf(headers) !== undefined && resolve(statusOf(headers)));
    stream.on('trailers', (headers) => resolve(statusOf(headers)));
  });
  const closed = new Promise<number | undefined>((resolve) =>
    stream.once('close', () => resolve(stream.rstCode)),
  );
  stream.write(frame(Buffer.from('hi')));
  const grpcStatus = Number(await answered);
  const reset = await Promise.race([
    closed,
    new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 2_000).unref()),
  ]);
  return { grpcStatus, reset };
}

describe(callInterceptor.name, () => {
  let server: Server;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    const logger = new ConsoleLogger({ logLevels: ['error'] });
    const limits = { maxMetadataBytes: 8_192, callIdleMs: 60_000, maxCallMs: 60_000 };
    server = new Server({
      interceptors: [
        callInterceptor({
          instanceId: 'sut',
          calls: new OpenCalls(logger, limits, 'error'),
          limits,
          metrics: new ServerMetrics(),
          auth: new CallAuth(undefined),
        }),
      ],
    });
    // Answers the first message and ends with OK, the client still sending: status as trailers.
    server.register(
      '/test.Talk/AnswerThenEnd',
      (call: ServerDuplexStream<Buffer, Buffer>) =>
        call.once('data', (message: Buffer) => {
          call.write(message);
          call.end();
        }),
      identity,
      identity,
      'bidi',
    );
    // Refuses the first message before sending anything: status as the only headers.
    server.register(
      '/test.Talk/Refuse',
      (call: ServerDuplexStream<Buffer, Buffer>) =>
        call.once('data', () =>
          call.emit('error', { code: status.INVALID_ARGUMENT, details: 'no' } as Partial<ServiceError>),
        ),
      identity,
      identity,
      'bidi',
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    session = connect(`http://127.0.0.1:${port}`);
  });

  afterAll(() => {
    session?.destroy();
    server?.forceShutdown();
  });

  it.each([
    ['after headers and a message, as trailers', '/test.Talk/AnswerThenEnd', status.OK],
    ['as a trailers-only refusal', '/test.Talk/Refuse', status.INVALID_ARGUMENT],
  ])(
    'resets the stream with NO_ERROR once a status sent %s is out, if the client has not half-closed',
    async (_case, path, code) => {
      expect(await callWithoutHalfClose(session, path)).toEqual({
        grpcStatus: code,
        reset: constants.NGHTTP2_NO_ERROR,
      });
    },
  );
});
