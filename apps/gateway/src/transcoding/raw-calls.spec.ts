import {
  Client,
  credentials,
  Metadata,
  Server,
  type ServerUnaryCall,
  ServerCredentials,
  type sendUnaryData,
  type ServerWritableStream,
  status,
} from '@grpc/grpc-js';
import { createFileRegistry, type DescMessage, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import {
  FILE_DESCRIPTOR_SET,
  GreeterDefinition,
  grpcServiceDefinition,
  type HelloReply,
  type HelloRequest,
  SERVED_BY_HEADER,
  TickerServiceDefinition,
  type WatchRequest,
  type WatchResponse,
} from '@quartet/proto';
import { GrpcCallError } from '../http/grpc-call';
import { messageJson } from './message-json';
import { callRawServerStream, callRawUnary } from './raw-calls';
import { bindRequest } from './request-binding';

const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, FILE_DESCRIPTOR_SET));
const schema = (name: string): DescMessage => {
  const found = registry.getMessage(name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

/** A real grpc-js greeter on loopback, built from the generated definition as the services are. */
describe('raw calls', () => {
  const server = new Server();
  let client: Client;
  const received: HelloRequest[] = [];

  beforeAll(async () => {
    server.addService(grpcServiceDefinition(GreeterDefinition), {
      sayHello: (call: ServerUnaryCall<HelloRequest, HelloReply>, done: sendUnaryData<HelloReply>) => {
        received.push(call.request);
        if (call.request.name === '')
          return done({ code: status.INVALID_ARGUMENT, details: 'name is empty' });
        const headers = new Metadata();
        headers.set(SERVED_BY_HEADER, 'greeter-raw');
        call.sendMetadata(headers);
        done(null, { message: `Hello ${call.request.name}` });
      },
    });
    server.addService(grpcServiceDefinition(TickerServiceDefinition), {
      watch: (call: ServerWritableStream<WatchRequest, WatchResponse>) => {
        for (let seq = 1n; seq <= BigInt(call.request.count); seq += 1n) {
          call.write({ symbol: call.request.symbol, seq, price: 100, time: new Date(Date.UTC(2026, 11, 7)) });
        }
        call.end();
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(() => {
    client?.close();
    server.forceShutdown();
  });

  it('sends the request it was given as bytes and hands back the response’s bytes, which the descriptors decode', async () => {
    const request = bindRequest(schema('helloworld.HelloRequest'), { path: {}, query: { name: 'Ann' } });
    const { response, servedBy } = await callRawUnary(
      client,
      '/helloworld.Greeter/SayHello',
      toBinary(schema('helloworld.HelloRequest'), request),
      new Metadata(),
      5_000,
    );
    expect(received.at(-1)).toEqual({ name: 'Ann' });
    expect(
      toJson(schema('helloworld.HelloReply'), fromBinary(schema('helloworld.HelloReply'), response)),
    ).toEqual({
      message: 'Hello Ann',
    });
    expect(servedBy).toBe('greeter-raw');
  });

  it('rejects with the backend’s status as a GrpcCallError', async () => {
    const call = callRawUnary(
      client,
      '/helloworld.Greeter/SayHello',
      new Uint8Array(),
      new Metadata(),
      5_000,
    );
    await expect(call).rejects.toEqual(
      new GrpcCallError(status.INVALID_ARGUMENT, 'name is empty', undefined),
    );
    await expect(call).rejects.toBeInstanceOf(GrpcCallError);
  });

  it('streams each message of a server stream as its bytes, which messageJson writes as proto3 JSON', async () => {
    const request = bindRequest(schema('ticker.v1.WatchRequest'), {
      path: { symbol: 'ACME' },
      query: { count: '2', intervalMs: '0' },
    });
    const call = callRawServerStream(
      client,
      '/ticker.v1.TickerService/Watch',
      toBinary(schema('ticker.v1.WatchRequest'), request),
      new Metadata(),
      5_000,
    );
    const json = messageJson(schema('ticker.v1.WatchResponse'));
    const events: unknown[] = [];
    for await (const bytes of call) events.push(json(bytes as Buffer));
    expect(events).toEqual(
      [1, 2].map((seq) => ({
        symbol: 'ACME',
        seq,
        price: 100,
        time: '2026-12-07T00:00:00.000Z',
      })),
    );
    expect(
      messageJson(
        schema('ticker.v1.WatchResponse'),
        'symbol',
      )(
        toBinary(
          schema('ticker.v1.WatchResponse'),
          bindRequest(schema('ticker.v1.WatchResponse'), { path: {}, query: { symbol: 'X' } }),
        ),
      ),
    ).toBe('X');
    expect(() => messageJson(schema('ticker.v1.WatchResponse'), 'nope')).toThrow(
      'ticker.v1.WatchResponse has no field nope',
    );
  });
});
