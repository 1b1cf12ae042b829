import { startTestRedis, testServerConfig, type TestRedis } from '@quartet/grpc-testing';
import type { ChatSession } from './chat-session';
import { redisChatConfig } from './chat-stores';
import { ChatUnderTest } from './chat-under-test';

const joinedEvent = (session: ChatSession) => session.until((e) => e.event?.$case === 'joined', 'joined');

/** Chat replicas in this process sharing one real redis-server: a room spans them all. */
describe('chat rooms in Redis across replicas', () => {
  let redis: TestRedis;
  const replicas: ChatUnderTest[] = [];
  let rooms = 0;
  const freshRoom = () => `spread-${(rooms += 1)}`;
  /** Joins `user` to `room` through replica `index`. */
  const join = (index: number, user: string, room: string, sinceSeq = 0n) => {
    const replica = replicas[index];
    if (!replica) throw new Error(`no replica ${index}`);
    return replica.join(user, room, sinceSeq);
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    for (let i = 0; i < 3; i += 1) {
      const config = redisChatConfig(redis.url, { ...testServerConfig(), instanceId: `chat-${i + 1}` });
      replicas.push(await ChatUnderTest.start(config));
    }
  });

  afterEach(() => {
    for (const replica of replicas) replica.leaveAll();
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await redis.stop();
  });

  it.each([2, 3])(
    'gives members on %i replicas the same messages, posted from every replica at once, in one seq order',
    async (count) => {
      const room = freshRoom();
      const members = Array.from({ length: count * 2 }, (_, i) => join(i % count, `user-${i}`, room));
      await Promise.all(members.map(joinedEvent));
      const posts = 60;
      // Every member posts at once: the replicas race for the next seq in Redis.
      for (let i = 0; i < posts; i += 1) members[i % members.length]?.post(`message ${i}`);
      await Promise.all(members.map((m) => m.untilMessage(BigInt(posts))));
      const seen = members.map((m) => m.messages().map(({ seq, user, text }) => `${seq} ${user} ${text}`));
      expect(seen[0]).toHaveLength(posts);
      expect(members[0]?.seqs()).toEqual(Array.from({ length: posts }, (_, i) => BigInt(i + 1)));
      for (const other of seen.slice(1)) expect(other).toEqual(seen[0]);
      expect(new Set(seen[0]?.map((line) => line.split(' ').slice(1).join(' '))).size).toBe(posts);
    },
  );

  it('stores a post resent through another replica with the same client_id once', async () => {
    const room = freshRoom();
    const watcher = join(2, 'watcher', room);
    await joinedEvent(watcher);
    const first = join(0, 'ann', room);
    await joinedEvent(first);
    first.post('hello', 'resent-1');
    await first.untilMessage(1n);
    // The connection is lost before the acknowledgement is trusted: the page rejoins elsewhere and resends.
    first.call.cancel();
    const again = join(1, 'ann', room, first.epoch() + 1n);
    await joinedEvent(again);
    again.post('hello', 'resent-1');
    again.post('next');
    await watcher.untilMessage(2n);
    expect(watcher.posts()).toEqual([
      [1n, 'hello', 'resent-1'],
      [2n, 'next', ''],
    ]);
    await again.untilMessage(2n);
    expect(again.seqs()).toEqual([1n, 2n]);
  });

  it('replays after a rejoin on another replica: the missed messages, then live ones, no gap and no duplicate', async () => {
    const room = freshRoom();
    const ann = join(0, 'ann', room);
    await joinedEvent(ann);
    for (let i = 1; i <= 5; i += 1) ann.post(`m${i}`);
    await ann.untilMessage(5n);
    const bob = join(0, 'bob', room);
    await bob.untilMessage(5n);
    bob.call.cancel();
    for (let i = 6; i <= 8; i += 1) ann.post(`m${i}`);
    await ann.untilMessage(8n);
    const back = join(2, 'bob', room, ann.epoch() + 5n);
    const joined = await joinedEvent(back);
    expect(joined.event?.$case === 'joined' && joined.event.value).toMatchObject({
      lastSeq: ann.epoch() + 8n,
      historyTrimmed: false,
    });
    ann.post('m9');
    await back.untilMessage(9n);
    expect(back.seqs()).toEqual([6n, 7n, 8n, 9n]);
  });

  it('shows presence across replicas: who is there on joining, who comes and who goes', async () => {
    const room = freshRoom();
    const ann = join(0, 'ann', room);
    await joinedEvent(ann);
    const bob = join(1, 'bob', room);
    const joined = await joinedEvent(bob);
    expect(joined.event?.$case === 'joined' && joined.event.value.members).toEqual(['ann', 'bob']);
    await ann.untilPresence('bob', true);
    // A second connection of bob's, on a third replica, is no news; its first going is none either.
    const bobAgain = join(2, 'bob', room);
    await joinedEvent(bobAgain);
    bobAgain.call.end();
    await bobAgain.ended;
    bob.call.end();
    await ann.untilPresence('bob', false);
    const presence = ann.events.flatMap((e) => (e.event?.$case === 'presence' ? [e.event.value] : []));
    expect(presence.map(({ user, online }) => `${user} ${online}`)).toEqual(['bob true', 'bob false']);
  });
});
