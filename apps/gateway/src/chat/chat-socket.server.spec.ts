import { EventEmitter } from 'node:events';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import fastifyWebsocket from '@fastify/websocket';
import { Metadata, status } from '@grpc/grpc-js';
import type { HttpAdapterHost } from '@nestjs/core';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Backends } from '../backends/backends';
import { loadConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { ChatSocketServer } from './chat-socket.server';

/** A grpc-js duplex call as the server sees it: cancelling it emits CANCELLED as an 'error', as grpc-js does. */
function fakeChatCall() {
  const call = new EventEmitter();
  const cancel = jest.fn((): void => {
    call.emit('error', Object.assign(new Error('Cancelled on client'), { code: status.CANCELLED }));
  });
  return Object.assign(call, { write: jest.fn(), cancel });
}

const HANDSHAKE = [
  'GET /api/chat?room=lobby&user=ann HTTP/1.1',
  'host: 127.0.0.1',
  'upgrade: websocket',
  'connection: Upgrade',
  'sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==',
  'sec-websocket-version: 13',
  '',
  '',
].join('\r\n');

describe(ChatSocketServer.name, () => {
  let fastify: FastifyInstance;
  let client: Socket | undefined;

  afterEach(async () => {
    client?.destroy();
    await fastify?.close();
  });

  it('keeps an error listener on the chat call when ws drops a socket that closed as the join was accepted', async () => {
    const config = loadConfig({ AUTH_SECRET: 'chat-socket.server.spec: a key of 32 bytes or more' });
    const call = fakeChatCall();
    fastify = Fastify();
    await fastify.register(fastifyWebsocket);
    // The request pipeline's part, which this spec does not test: the caller is signed in.
    fastify.addHook('onRequest', async (request) => {
      request.caller = { user: 'ann', token: 'token', expiresAt: new Date(Date.now() + 60_000) };
    });
    const sut = new ChatSocketServer(
      { httpAdapter: { getInstance: () => fastify } } as unknown as HttpAdapterHost,
      { client: () => ({ chat: () => call }) } as unknown as Backends,
      new GatewayMetrics(),
      config,
    );
    sut.onApplicationBootstrap();
    const upgraded = new Promise<Duplex>((resolve) =>
      fastify.server.once('upgrade', (_request, socket: Duplex) => resolve(socket)),
    );
    await fastify.listen({ host: '127.0.0.1', port: 0 });
    const joinSent = new Promise((resolve) => call.write.mockImplementationOnce(resolve));
    client = connect((fastify.server.address() as AddressInfo).port, '127.0.0.1', () =>
      client?.write(HANDSHAKE),
    );
    client.on('error', () => undefined);
    const socket = await upgraded;
    await joinSent;
    expect(call.write).toHaveBeenCalledWith({
      action: { $case: 'join', value: { room: 'lobby', user: 'ann', sinceSeq: 0n } },
    });

    // The client goes away just as the chat service accepts the join: ws refuses the dead
    // socket, the socket's close cancels the call, and grpc-js reports that as an 'error'.
    socket.destroy();
    call.emit('metadata', new Metadata());
    await new Promise((resolve) => socket.once('close', resolve));

    expect(call.cancel).toHaveBeenCalledTimes(1);
    sut.beforeApplicationShutdown();
  });
});
