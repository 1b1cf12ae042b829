import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { Metadata, status } from '@grpc/grpc-js';
import type { HttpAdapterHost } from '@nestjs/core';
import { signGuestToken } from '@quartet/auth';
import { Authenticator } from '../auth/authenticator';
import type { Backends } from '../backends/backends';
import { loadConfig } from '../config';
import { GatewayDrain } from '../lifecycle/gateway-drain';
import { ClientStreams } from '../limits/client-streams';
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

const SECRET = 'chat-socket.server.spec: a key of 32 bytes or more';

const handshake = (socket: Duplex, token: string) =>
  ({
    method: 'GET',
    url: '/api/chat?room=lobby&user=ann',
    headers: {
      authorization: `Bearer ${token}`,
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
    },
    socket: Object.assign(socket, { remoteAddress: '127.0.0.1' }),
  }) as unknown as IncomingMessage;

describe(ChatSocketServer.name, () => {
  it('keeps an error listener on the chat call when ws drops a socket that closed as the join was accepted', async () => {
    const config = loadConfig({ AUTH_SECRET: SECRET });
    const { token } = await signGuestToken(new TextEncoder().encode(SECRET), 'ann', 60);
    const metrics = new GatewayMetrics();
    const call = fakeChatCall();
    const httpServer = new EventEmitter();
    const sut = new ChatSocketServer(
      { httpAdapter: { getHttpServer: () => httpServer } } as unknown as HttpAdapterHost,
      { chat: { chat: () => call } } as unknown as Backends,
      metrics,
      new ClientStreams(config, metrics),
      new Authenticator(config),
      new GatewayDrain(config),
      config,
    );
    sut.onApplicationBootstrap();
    const socket = new Duplex({ read: () => undefined, write: (_chunk, _encoding, done) => done() });
    // The token is checked before the join is sent.
    const joinSent = new Promise((resolve) => call.write.mockImplementationOnce(resolve));
    httpServer.emit('upgrade', handshake(socket, token), socket, Buffer.alloc(0));
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
