import { EventEmitter } from 'node:events';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { ChatRequest, ChatResponse } from '@quartet/proto';
import type { WebSocket } from 'ws';
import { ChatSession, type ChatSessionEvents } from './chat-session';

const MAX_BAD_FRAMES = 100;
const limits = { maxUnsentBytes: 1024 * 1024, maxBadFrames: MAX_BAD_FRAMES };

/** A ws socket whose buffer fills as the test says: the member reads nothing. */
function stalledSocket() {
  const socket = Object.assign(new EventEmitter(), {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    sent: [] as string[],
    send: jest.fn((data: string) => {
      socket.sent.push(data);
      socket.bufferedAmount += data.length;
    }),
    close: jest.fn(),
    terminate: jest.fn(),
    ping: jest.fn(),
    pause: jest.fn(),
    resume: jest.fn(),
  });
  return socket;
}

function fakeCall() {
  return Object.assign(new EventEmitter(), {
    write: jest.fn(() => true),
    pause: jest.fn(),
    resume: jest.fn(),
    end: jest.fn(),
    cancel: jest.fn(),
  });
}

describe(ChatSession.name, () => {
  const start = () => {
    const socket = stalledSocket();
    const call = fakeCall();
    const events: ChatSessionEvents = { onPause: jest.fn(), onClose: jest.fn(), onLimit: jest.fn() };
    const sut = new ChatSession(
      socket as unknown as WebSocket,
      call as unknown as ClientDuplexStream<ChatRequest, ChatResponse>,
      limits,
      events,
    );
    return { sut, socket, call, events };
  };
  const garbage = Buffer.from('{not json');

  it('counts error replies against the backlog, and drops a member once over 1 MiB waits for it', () => {
    const { socket, events } = start();
    socket.bufferedAmount = 1024 * 1024 + 1;
    socket.emit('message', garbage, false);
    expect(socket.send).not.toHaveBeenCalled();
    expect(socket.terminate).toHaveBeenCalledTimes(1);
    expect(events.onLimit).toHaveBeenCalledWith('ws_backlog');
  });

  it(`answers each of the first ${MAX_BAD_FRAMES} bad frames, then closes the member with 1008`, () => {
    const { socket, call, events } = start();
    for (let i = 0; i < MAX_BAD_FRAMES + 50; i += 1) socket.emit('message', garbage, false);
    expect(socket.sent).toHaveLength(MAX_BAD_FRAMES);
    expect(JSON.parse(socket.sent[0])).toEqual({
      type: 'error',
      error: { code: 'INVALID_ARGUMENT', message: 'the frame is not JSON' },
    });
    expect(socket.close).toHaveBeenCalledWith(1008, `over ${MAX_BAD_FRAMES} bad frames`);
    expect(socket.pause).toHaveBeenCalled();
    expect(events.onLimit).toHaveBeenCalledTimes(1);
    expect(call.write).not.toHaveBeenCalled();
  });

  it('pings a member each heartbeat, and drops one that did not answer the last ping', () => {
    const { sut, socket, events } = start();
    sut.heartbeat();
    socket.emit('pong');
    sut.heartbeat();
    expect(socket.ping).toHaveBeenCalledTimes(2);
    expect(socket.terminate).not.toHaveBeenCalled();
    sut.heartbeat();
    expect(socket.terminate).toHaveBeenCalledTimes(1);
    expect(events.onLimit).toHaveBeenCalledWith('ws_ping');
  });
});
