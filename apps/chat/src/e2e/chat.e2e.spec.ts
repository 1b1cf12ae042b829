import { status } from '@grpc/grpc-js';
import type { RunningGrpcService } from '@quartet/grpc-server';
import { eventually, stalledCall } from '@quartet/grpc-testing';
import { ChatRequest } from '@quartet/proto';
import { ChatMetrics } from '../chat/chat.metrics';
import { CHAT_STORES, StoreUnderTest, testChatConfig } from './chat-stores';
import { type ChatClient, ChatUnderTest } from './chat-under-test';

describe.each(CHAT_STORES)('chat over gRPC, rooms %s', (kind) => {
  const store = new StoreUnderTest(kind);
  let chat: ChatUnderTest;
  let sut: RunningGrpcService;
  let client: ChatClient;
  let metrics: ChatMetrics;
  let rooms = 0;
  const freshRoom = () => `room-${(rooms += 1)}`;
  const join = (user: string, room: string, sinceSeq = 0n) => chat.join(user, room, sinceSeq);

  /** A member that joins over plain HTTP/2 and never reads a byte (see stalledCall). */
  const joinWithoutReading = (user: string, room: string) =>
    stalledCall(
      sut.address,
      '/chat.v1.ChatService/Chat',
      ChatRequest.encode({ action: { $case: 'join', value: { room, user, sinceSeq: 0n } } }).finish(),
      { halfClose: false },
    );

  beforeAll(async () => {
    chat = await ChatUnderTest.start(await store.configure(testChatConfig()));
    ({ service: sut, client } = chat);
    metrics = sut.app.get(ChatMetrics);
  });

  afterEach(() => chat.leaveAll());

  afterAll(async () => {
    await chat.stop();
    await store.stop();
  });

  it('confirms a join with the members and tells those already there', async () => {
    const room = freshRoom();
    const ann = join('ann', room);
    await ann.until((e) => e.event?.$case === 'joined', 'joined');
    const bob = join('bob', room);
    const joined = await bob.until((e) => e.event?.$case === 'joined', 'joined');
    expect(joined.event).toEqual({
      $case: 'joined',
      value: {
        room,
        user: 'bob',
        members: ['ann', 'bob'],
        memberCount: 2,
        lastSeq: 0n,
        historyTrimmed: false,
      },
    });
    await ann.untilPresence('bob', true);
  });

  it('gives every member, the sender included, the same messages in seq order', async () => {
    const room = freshRoom();
    const members = ['ann', 'bob', 'cyd'].map((user) => join(user, room));
    await Promise.all(members.map((m) => m.until((e) => e.event?.$case === 'joined', 'joined')));
    for (let i = 0; i < 30; i += 1) members[i % 3]?.post(`message ${i}`);
    await Promise.all(members.map((m) => m.untilMessage(30n)));
    const seen = members.map((m) => m.messages().map(({ seq, user, text }) => ({ seq, user, text })));
    expect(members[0]?.seqs()).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i + 1)));
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    for (const message of members[0]?.messages() ?? []) expect(message.time).toBeInstanceOf(Date);
  });

  it('resumes with since_seq: the missed messages, then live ones, with no gap and no duplicate', async () => {
    const room = freshRoom();
    const ann = join('ann', room);
    for (let i = 1; i <= 5; i += 1) ann.post(`m${i}`);
    await ann.untilMessage(5n);
    const bob = join('bob', room, ann.epoch() + 2n);
    const joined = await bob.until((e) => e.event?.$case === 'joined', 'joined');
    expect(joined.event?.$case === 'joined' && joined.event.value.lastSeq).toBe(ann.epoch() + 5n);
    ann.post('m6');
    await bob.untilMessage(6n);
    expect(bob.seqs()).toEqual([3n, 4n, 5n, 6n]);
  });

  it('stores a post resent with the same client_id once', async () => {
    const room = freshRoom();
    const ann = join('ann', room);
    const bob = join('bob', room);
    await ann.untilPresence('bob', true);
    ann.post('hello', 'client-1');
    ann.post('hello', 'client-1');
    ann.post('next');
    await bob.untilMessage(2n);
    expect(bob.posts()).toEqual([
      [1n, 'hello', 'client-1'],
      [2n, 'next', ''],
    ]);
    await ann.untilMessage(2n);
    expect(ann.seqs()).toEqual([1n, 1n, 2n]);
  });

  it('tells the others when a member half-closes, and ends that stream OK', async () => {
    const room = freshRoom();
    const ann = join('ann', room);
    const bob = join('bob', room);
    await ann.untilPresence('bob', true);
    bob.call.end();
    expect((await bob.ended).code).toBe(status.OK);
    await ann.untilPresence('bob', false);
  });

  it('tells the others when a member cancels', async () => {
    const room = freshRoom();
    const ann = join('ann', room);
    const bob = join('bob', room);
    await ann.untilPresence('bob', true);
    bob.call.cancel();
    await ann.untilPresence('bob', false);
  });

  it.each([
    [
      'a post before join',
      { action: { $case: 'post', value: { text: 'hi', clientId: '' } } },
      'the first message must be join, naming the room and user',
    ],
    [
      'a bad room name',
      { action: { $case: 'join', value: { room: 'No Room', user: 'eve', sinceSeq: 0n } } },
      'room "No Room" is not 1 to 32 characters of a-z, 0-9, "-" and "_"',
    ],
    [
      'a bad user name',
      { action: { $case: 'join', value: { room: 'lobby', user: 'e v e', sinceSeq: 0n } } },
      'user "e v e" is not 1 to 32 characters of A-Z, a-z, 0-9, "-", "_" and "."',
    ],
    ['an empty message', { action: undefined }, 'each message must carry join or post'],
  ] as [string, ChatRequest, string][])(
    'ends the stream of %s with INVALID_ARGUMENT saying why',
    async (_case, request, message) => {
      const call = client.chat();
      const ended = new Promise<{ code: number; details: string }>((resolve) => {
        call.on('error', () => undefined);
        call.on('status', resolve);
      });
      call.write(request);
      expect(await ended).toMatchObject({ code: status.INVALID_ARGUMENT, details: message });
    },
  );

  it.each([
    ['blank text', '  ', 'text must not be blank'],
    ['text over 1000 characters', 'x'.repeat(1001), 'text is 1001 characters long; at most 1000 are allowed'],
  ])('ends the stream of a member that posts %s, and the others go on', async (_case, text, message) => {
    const room = freshRoom();
    const ann = join('ann', room);
    const eve = join('eve', room);
    await ann.untilPresence('eve', true);
    eve.post(text);
    expect(await eve.ended).toMatchObject({ code: status.INVALID_ARGUMENT, details: message });
    await ann.untilPresence('eve', false);
    ann.post('still here');
    await ann.untilMessage(1n);
  });

  it('rejects a second join on the same stream', async () => {
    const ann = join('ann', freshRoom());
    ann.send({ action: { $case: 'join', value: { room: 'other', user: 'ann', sinceSeq: 0n } } });
    expect(await ann.ended).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'join must be sent once, as the first message',
    });
  });

  it('cuts off a member that never reads, keeping its memory bounded, while the room goes on', async () => {
    const room = freshRoom();
    const ann = join('ann', room);
    await ann.until((e) => e.event?.$case === 'joined', 'joined');
    const sleepy = joinWithoutReading('sleepy', room);
    await ann.untilPresence('sleepy', true);

    // 900-character posts fill the sleeper's HTTP/2 window after about 70; then its backlog (64) overflows.
    const text = 'z'.repeat(900);
    let posted = 0;
    while (metrics.membersCutOff === 0 && posted < 2_000) {
      ann.post(text);
      posted += 1;
      await ann.untilMessage(BigInt(posted));
    }
    await ann.untilPresence('sleepy', false);
    expect(metrics.membersCutOff).toBe(1);
    console.info(`chat: a member that never reads was cut off after ${posted} posts of 900 characters`);
    expect(posted).toBeLessThan(500);

    ann.post('the room goes on');
    await ann.untilMessage(BigInt(posted + 1));
    sleepy.close();
  }, 60_000);

  it('forgets a member whose connection is lost', async () => {
    const room = freshRoom();
    const ann = join('ann', room);
    await ann.until((e) => e.event?.$case === 'joined', 'joined');
    const lost = joinWithoutReading('gone', room);
    await ann.untilPresence('gone', true);
    const before = metrics.connectedMembers;
    lost.close();
    await ann.untilPresence('gone', false);
    await eventually(() => metrics.connectedMembers === before - 1, {
      what: 'the lost member to be forgotten',
    });
  });
});

describe.each(CHAT_STORES)('chat when storing a message fails unexpectedly, rooms %s', (kind) => {
  const store = new StoreUnderTest(kind);
  let chat: ChatUnderTest;
  let clockBroken = false;

  beforeAll(async () => {
    const clock = () => {
      if (clockBroken) throw new Error('clock failure: secret');
      return new Date();
    };
    chat = await ChatUnderTest.start(await store.configure(testChatConfig()), { clock });
  });

  afterAll(async () => {
    await chat.stop();
    await store.stop();
  });

  it('ends the poster with INTERNAL and a generic message, and the others go on', async () => {
    const ann = chat.join('ann', 'lobby');
    const bob = chat.join('bob', 'lobby');
    await ann.untilPresence('bob', true);
    clockBroken = true;
    bob.post('boom');
    expect(await bob.ended).toMatchObject({ code: status.INTERNAL, details: 'internal error' });
    await ann.untilPresence('bob', false);
    clockBroken = false;
    ann.post('fine');
    await ann.untilMessage(1n);
    ann.call.end();
    await ann.ended;
  });
});
