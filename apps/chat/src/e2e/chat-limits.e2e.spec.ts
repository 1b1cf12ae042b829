import { status } from '@grpc/grpc-js';
import type { RunningGrpcService } from '@quartet/grpc-server';
import { testServerConfig } from '@quartet/grpc-testing';
import { ChatMetrics } from '../chat/chat.metrics';
import type { ChatSession } from './chat-session';
import { CHAT_STORES, StoreUnderTest } from './chat-stores';
import { ChatUnderTest } from './chat-under-test';

/** What a flood meets: full rooms, a cap on members in all rooms together, a rate of posts per member. */
describe.each(CHAT_STORES)('chat limits over gRPC, rooms %s', (kind) => {
  const store = new StoreUnderTest(kind);
  let chat: ChatUnderTest;
  let sut: RunningGrpcService;
  const join = (user: string, room: string, sinceSeq = 0n) => chat.join(user, room, sinceSeq);
  const joined = (session: ChatSession) => session.until((e) => e.event?.$case === 'joined', 'joined');

  beforeAll(async () => {
    const config = {
      server: testServerConfig(),
      historySize: 10,
      maxBacklog: 64,
      maxRooms: 10,
      maxMembers: 2,
      maxConnections: 3,
      dedupWindow: 10,
      postsPerSecond: 10,
      presenceListMax: 100,
    };
    chat = await ChatUnderTest.start(await store.configure(config));
    sut = chat.service;
  });

  afterAll(async () => {
    await chat.stop();
    await store.stop();
  });

  it('refuses a member past CHAT_MAX_MEMBERS with RESOURCE_EXHAUSTED, naming the room; the room goes on', async () => {
    const [ann, bob] = [join('ann', 'full'), join('bob', 'full')];
    await Promise.all([joined(ann), joined(bob)]);
    const cyd = join('cyd', 'full');
    expect(await cyd.ended).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: 'room full is full: 2 members',
    });
    ann.post('still here');
    await bob.untilMessage(1n);
    expect(sut.app.get(ChatMetrics).refusals.roomFull).toBe(1);
  });

  it('replays what a room keeps (CHAT_HISTORY) and says in joined that older messages are gone', async () => {
    const ann = join('ann', 'long');
    for (let i = 1; i <= 15; i += 1) ann.post(`m${i}`);
    await ann.untilMessage(15n);
    ann.call.end();
    await ann.ended;
    const late = join('ann', 'long', ann.epoch() + 2n);
    const joined = await late.until((e) => e.event?.$case === 'joined', 'joined');
    expect(joined.event?.$case === 'joined' && joined.event.value).toMatchObject({
      lastSeq: ann.epoch() + 15n,
      historyTrimmed: true,
    });
    await late.untilMessage(15n);
    expect(late.seqs()).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i + 6)));
    late.call.end();
    await late.ended;
  });

  it('says in joined that the history was reset to a member who saw more than the room has', async () => {
    const ann = join('ann', 'reset');
    ann.post('only one');
    await ann.untilMessage(1n);
    ann.call.end();
    await ann.ended;
    // Last seen seq 7: the room it saw then is gone (lost by Redis, or expired).
    const back = join('ann', 'reset', ann.epoch() + 7n);
    const joined = await back.until((e) => e.event?.$case === 'joined', 'joined');
    expect(joined.event?.$case === 'joined' && joined.event.value).toMatchObject({
      lastSeq: ann.epoch() + 1n,
      historyTrimmed: true,
    });
    back.call.end();
    await back.ended;
  });

  it('ends a member posting past CHAT_POSTS_PER_SECOND with RESOURCE_EXHAUSTED once its burst is spent; the room goes on', async () => {
    // Two members of the first test are still here: one connection is left, of CHAT_MAX_CONNECTIONS.
    const ann = join('ann', 'fast');
    await joined(ann);
    ann.post('flood 1');
    await ann.untilMessage(1n);
    for (let i = 2; i <= 30; i += 1) ann.post(`flood ${i}`);
    expect(await ann.ended).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: 'over 10 posts a second (bursts of 20); slow down and rejoin with since_seq',
    });
    expect(sut.app.get(ChatMetrics).postsOverRate).toBe(1);
    const back = join('ann', 'fast', ann.epoch());
    const rejoined = await joined(back);
    // The burst was stored, and what the rate refilled meanwhile (10 a second: a few at most); the rest was not.
    const stored = rejoined.event?.$case === 'joined' ? rejoined.event.value.lastSeq - ann.epoch() : 0n;
    expect(stored).toBeGreaterThanOrEqual(20n);
    expect(stored).toBeLessThan(25n);
    back.post('slower now');
    await back.untilMessage(stored + 1n);
    back.call.end();
    await back.ended;
  });

  it('refuses a call past CHAT_MAX_CONNECTIONS in all rooms, before it joins', async () => {
    await joined(join('dee', 'other'));
    const extra = join('eve', 'another');
    expect(await extra.ended).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: 'the chat service has 3 members connected, its limit; try again later',
    });
    expect(sut.app.get(ChatMetrics).refusals.connections).toBe(1);
  });
});
