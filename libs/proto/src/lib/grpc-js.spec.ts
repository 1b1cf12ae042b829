import { grpcClientConstructor, grpcPackageDefinition, grpcServiceDefinition } from './grpc-js';
import { ChatServiceDefinition, type ChatResponse } from '../generated/chat/v1/chat';
import { TickerServiceDefinition, type WatchResponse } from '../generated/ticker/v1/ticker';
import { UploadServiceDefinition, type UploadRequest } from '../generated/upload/v1/upload';
import { GreeterDefinition } from '../generated/helloworld/helloworld';
import { credentials, type MethodDefinition } from '@grpc/grpc-js';
import type { GenericServiceDefinition } from './grpc-js';

/** The grpc-js definition of one RPC, failing the test when there is none. */
function method(service: GenericServiceDefinition, name: string): MethodDefinition<unknown, unknown> {
  const found = grpcServiceDefinition(service)[name];
  if (!found) throw new Error(`${service.fullName} has no ${name}`);
  return found;
}

describe(grpcServiceDefinition.name, () => {
  it('keys each method by its RPC name and path, with the handler name NestJS uses', () => {
    const sut = grpcServiceDefinition(TickerServiceDefinition);
    expect(Object.keys(sut)).toEqual(['Watch']);
    expect(sut['Watch']).toMatchObject({
      path: '/ticker.v1.TickerService/Watch',
      requestStream: false,
      responseStream: true,
      originalName: 'watch',
    });
  });

  it('carries Date and bigint over the wire as the ts-proto types', () => {
    const watch = method(TickerServiceDefinition, 'Watch');
    const tick: WatchResponse = {
      symbol: 'ACME',
      seq: 2n ** 53n + 1n,
      price: 12.34,
      time: new Date('2026-01-02T03:04:05.678Z'),
    };
    expect(watch.responseDeserialize(watch.responseSerialize(tick))).toEqual(tick);
  });

  it('carries oneof members as { $case, value } unions', () => {
    const upload = method(UploadServiceDefinition, 'Upload');
    const info: UploadRequest = {
      payload: { $case: 'info', value: { name: 'a.txt', contentType: 'text/plain', size: 3n } },
    };
    const chunk: UploadRequest = { payload: { $case: 'chunk', value: Buffer.from('abc') } };
    expect(upload.requestDeserialize(upload.requestSerialize(info))).toEqual(info);
    expect(upload.requestDeserialize(upload.requestSerialize(chunk))).toEqual(chunk);

    const chat = method(ChatServiceDefinition, 'Chat');
    const presence: ChatResponse = {
      event: { $case: 'presence', value: { room: 'lobby', user: 'ann', online: false } },
    };
    expect(chat.responseDeserialize(chat.responseSerialize(presence))).toEqual(presence);
  });

  it('leaves an unset optional size unset, distinct from 0', () => {
    const upload = method(UploadServiceDefinition, 'Upload');
    const decoded = upload.requestDeserialize(
      upload.requestSerialize({ payload: { $case: 'info', value: { name: 'a', contentType: '' } } }),
    ) as UploadRequest;
    expect(decoded.payload).toEqual({
      $case: 'info',
      value: { name: 'a', contentType: '', size: undefined },
    });
  });
});

describe(grpcPackageDefinition.name, () => {
  it('names each service by its full name, as grpc.loadPackageDefinition expects', () => {
    expect(Object.keys(grpcPackageDefinition(GreeterDefinition, ChatServiceDefinition))).toEqual([
      'helloworld.Greeter',
      'chat.v1.ChatService',
    ]);
  });
});

describe(grpcClientConstructor.name, () => {
  it('makes a client with a lowerCamelCase method per RPC', () => {
    const Client = grpcClientConstructor(GreeterDefinition);
    const sut = new Client('127.0.0.1:1', credentials.createInsecure());
    expect(typeof sut.sayHello).toBe('function');
    sut.close();
  });
});
