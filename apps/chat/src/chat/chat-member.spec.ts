import { status } from '@grpc/grpc-js';
import type { RpcException } from '@nestjs/microservices';
import type { ChatResponse, Presence } from '@quartet/proto';
import { Writable } from 'node:stream';
import { Subject } from 'rxjs';
import { ChatMember } from './chat-member';

const presence = (user: string, online = true): ChatResponse => ({
  event: { $case: 'presence', value: { room: 'r', user, online } },
});
const message = (seq: number): ChatResponse => ({
  event: {
    $case: 'message',
    value: { room: 'r', seq: BigInt(seq), user: 'bob', text: `m${seq}`, time: undefined, clientId: '' },
  },
});
const describePresence = ({ user, online }: Presence) => `${user} ${online ? 'on' : 'off'}`;
const describeEvent = (e: ChatResponse): string | string[] =>
  e.event?.$case === 'presence'
    ? describePresence(e.event.value)
    : e.event?.$case === 'presenceChanges'
      ? e.event.value.changes.map(describePresence)
      : e.event?.$case === 'message'
        ? `#${e.event.value.seq}`
        : '?';

function setUp(maxBacklog = 3) {
  let reading = false;
  let unread: (() => void) | undefined;
  const call = new Writable({
    objectMode: true,
    highWaterMark: 2,
    write(_event, _encoding, done) {
      if (reading) done();
      else unread = done;
    },
  });
  const out = new Subject<ChatResponse>();
  const sent: ChatResponse[] = [];
  let error: unknown;
  let completed = false;
  out.subscribe({
    next: (e) => (sent.push(e), call.write(e)),
    error: (e) => (error = e),
    complete: () => (completed = true),
  });
  const cutOff = jest.fn();
  const sut = new ChatMember('ann', out as never, call, maxBacklog, cutOff);
  return {
    sut,
    sent,
    cutOff,
    error: () => error as RpcException | undefined,
    completed: () => completed,
    startReading: () => {
      reading = true;
      unread?.();
    },
  };
}

describe(ChatMember.name, () => {
  it('hands events over while the call has room, and queues the rest until it drains', () => {
    const { sut, sent, startReading } = setUp(10);
    for (const user of ['a', 'b', 'c', 'd']) sut.deliver(presence(user));
    expect(sent).toHaveLength(2);
    expect(sut.waiting).toBe(2);
    startReading();
    // What waited goes out as one event.
    expect(sent.map(describeEvent)).toEqual(['a on', 'b on', ['c on', 'd on']]);
    expect(sut.waiting).toBe(0);
  });

  it('sends at most 1,000 presence changes in one event', () => {
    const { sut, sent, startReading } = setUp(10);
    for (let i = 0; i < 1_003; i += 1) sut.deliver(presence(`u${i}`));
    startReading();
    expect(sent.map((e) => (Array.isArray(describeEvent(e)) ? describeEvent(e).length : 1))).toEqual([
      1, 1, 1_000, 1,
    ]);
  });

  it('cuts the member off with RESOURCE_EXHAUSTED once more than maxBacklog messages wait', async () => {
    const { sut, cutOff, error } = setUp(3);
    for (let i = 1; i <= 6; i += 1) sut.deliver(message(i));
    expect(sut.waiting).toBe(4);
    await Promise.resolve();
    expect(cutOff).toHaveBeenCalledTimes(1);
    expect(error()?.getError()).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'cut off: over 3 events waited for this client to read; rejoin with since_seq',
    });
    sut.deliver(message(7));
    expect(sut.waiting).toBe(4);
  });

  it('keeps only the latest presence of each user while behind, after the queued messages, and cuts nobody off for it', async () => {
    const { sut, sent, cutOff, startReading } = setUp(3);
    sut.deliver(message(1));
    sut.deliver(message(2));
    for (let i = 0; i < 500; i += 1) sut.deliver(presence(`u${i % 50}`, i % 2 === 0));
    sut.deliver(message(3));
    sut.deliver(presence('u0', true));
    expect(sut.waiting).toBe(51);
    await Promise.resolve();
    expect(cutOff).not.toHaveBeenCalled();
    startReading();
    const seen = sent.map(describeEvent);
    expect(seen.slice(0, 3)).toEqual(['#1', '#2', '#3']);
    expect(seen).toHaveLength(4);
    const changes = seen[3] as string[];
    expect(changes).toHaveLength(50);
    expect(changes.at(-1)).toBe('u0 on');
    expect(changes).toContain('u1 off');
  });

  it('completes only after what was queued has been handed over', () => {
    const { sut, completed, startReading } = setUp(10);
    for (const user of ['a', 'b', 'c']) sut.deliver(presence(user));
    sut.finish();
    expect(completed()).toBe(false);
    startReading();
    expect(completed()).toBe(true);
  });
});
