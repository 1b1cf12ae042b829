import { status } from '@grpc/grpc-js';
import { healthClient, type HealthClient, type ServingStatus } from '@quartet/grpc-client';
import { eventually, startTestRedis, type TestRedis } from '@quartet/grpc-testing';
import { redisClient } from '@quartet/redis';
import { roomKeys } from '../chat/redis/room-keys';
import { SEQ_EPOCH, seqInEpoch } from './chat-session';
import { redisChatConfig, storeReady } from './chat-stores';
import { ChatUnderTest } from './chat-under-test';

const chatConfig = (redis: TestRedis) => redisChatConfig(redis.url);

const FULL = {
  code: status.RESOURCE_EXHAUSTED,
  details: 'the room store is full; posts and joins are refused until it has room again',
};

const UNREACHABLE = {
  code: status.UNAVAILABLE,
  details: 'the chat store cannot be reached; rejoin with since_seq once the service is serving again',
};

/** Every status the service's health reports for chat.v1.ChatService, as a load balancer watching it sees them. */
function watchHealth(address: string): { seen: ServingStatus[]; client: HealthClient } {
  const client = healthClient(address);
  const seen: ServingStatus[] = [];
  const watch = client.watch({ service: 'chat.v1.ChatService' });
  watch.on('data', ({ status: serving }) => seen.push(serving));
  watch.on('error', () => undefined);
  return { seen, client };
}

describe('chat when Redis goes away', () => {
  let redis: TestRedis;
  let chat: ChatUnderTest | undefined;
  let health: HealthClient | undefined;
  const join = (user: string, room: string, sinceSeq = 0n) => {
    if (!chat) throw new Error('no chat service');
    return chat.join(user, room, sinceSeq);
  };

  beforeEach(async () => {
    // Every write on disk before Redis answers, so that a SIGKILL loses nothing it acknowledged:
    // with everysec it may lose the last second or two (Redis delays the write while an fsync
    // is slow), which the seq test below plays out on purpose.
    redis = await startTestRedis({ appendfsync: 'always' });
  });

  afterEach(async () => {
    health?.close();
    await chat?.stop();
    await redis.stop();
  });

  it.each([
    ['stopped (SIGTERM)', (server: TestRedis) => server.pause()],
    ['killed (SIGKILL)', (server: TestRedis) => server.kill()],
  ])(
    'ends its members with UNAVAILABLE and reports NOT_SERVING while Redis is %s and restarts; rejoining members miss nothing, and seqs go on from a new epoch',
    async (_how, takeAway) => {
      chat = await ChatUnderTest.start(chatConfig(redis));
      const sut = chat.service;
      const watched = watchHealth(sut.address);
      health = watched.client;
      const ann = join('ann', 'lobby');
      const bob = join('bob', 'lobby');
      await ann.untilPresence('bob', true);
      for (let i = 1; i <= 3; i += 1) ann.post(`before ${i}`);
      await bob.untilMessage(3n);

      await takeAway(redis);
      expect(await ann.ended).toMatchObject(UNREACHABLE);
      expect(await bob.ended).toMatchObject(UNREACHABLE);
      await storeReady(sut, false);
      const refused = join('cyd', 'lobby');
      expect(await refused.ended).toMatchObject(UNREACHABLE);

      await redis.start();
      await storeReady(sut);
      const epoch = ann.epoch();
      const annBack = join('ann', 'lobby', epoch + 3n);
      const bobBack = join('bob', 'lobby', epoch + 2n);
      await annBack.untilPresence('bob', true);
      annBack.post('after');
      // A restarted Redis (a new run_id) starts an epoch: above every seq before, whatever it lost.
      await bobBack.untilMessage(1n);
      const [kept, after] = bobBack.messages();
      expect([kept?.seq, kept?.text, after?.text]).toEqual([epoch + 3n, 'before 3', 'after']);
      expect(after?.seq).toBeGreaterThan(epoch + SEQ_EPOCH);
      for (const member of [annBack, bobBack]) {
        expect(member.events[0]?.event).toMatchObject({ $case: 'joined', value: { historyTrimmed: false } });
      }
      await eventually(() => watched.seen.join() === 'SERVING,NOT_SERVING,SERVING', {
        what: `health to go SERVING, NOT_SERVING, SERVING (saw ${watched.seen.join()})`,
      });
    },
  );

  it('starts NOT_SERVING while Redis cannot be reached, refuses joins with UNAVAILABLE, and serves once it can', async () => {
    await redis.pause();
    chat = await ChatUnderTest.start(chatConfig(redis), { waitForStore: false });
    const sut = chat.service;
    const watched = watchHealth(sut.address);
    health = watched.client;
    const refused = join('ann', 'lobby');
    expect(await refused.ended).toMatchObject(UNREACHABLE);
    await eventually(() => watched.seen.join() === 'NOT_SERVING', { what: 'health to say NOT_SERVING' });

    await redis.start();
    await storeReady(sut);
    const ann = join('ann', 'lobby');
    ann.post('at last');
    await ann.untilMessage(1n);
    await eventually(() => watched.seen.join() === 'NOT_SERVING,SERVING', {
      what: `health to go SERVING (saw ${watched.seen.join()})`,
    });
  });

  it('refuses posts with RESOURCE_EXHAUSTED and reports NOT_SERVING while Redis is full; the others stay and post again once it has room', async () => {
    chat = await ChatUnderTest.start(chatConfig(redis));
    const watched = watchHealth(chat.service.address);
    health = watched.client;
    const admin = redisClient(redis.url);
    await admin.connect();
    try {
      const ann = join('ann', 'lobby');
      const bob = join('bob', 'lobby');
      await ann.untilPresence('bob', true);
      ann.post('before');
      await bob.untilMessage(1n);

      // Past its maxmemory, with nothing it may evict, Redis refuses every write.
      await admin.configSet('maxmemory', '1');
      bob.post('refused');
      expect(await bob.ended).toMatchObject(FULL);
      await storeReady(chat.service, false);
      expect(await join('cyd', 'lobby').ended).toMatchObject(FULL);

      await admin.configSet('maxmemory', '0');
      await storeReady(chat.service);
      ann.post('after');
      await ann.untilMessage(2n);
      expect(ann.messages().map((m) => m.text)).toEqual(['before', 'after']);
      await eventually(() => watched.seen.join() === 'SERVING,NOT_SERVING,SERVING', {
        what: `health to go SERVING, NOT_SERVING, SERVING (saw ${watched.seen.join()})`,
      });
    } finally {
      await admin.configSet('maxmemory', '0').catch(() => undefined);
      await admin.close();
    }
  });

  it('never hands out a seq twice: not after Redis lost its last writes and restarted, nor after the room expired', async () => {
    chat = await ChatUnderTest.start(chatConfig(redis));
    const admin = redisClient(redis.url);
    await admin.connect();
    const keys = roomKeys('lobby');
    const seen: bigint[] = [];
    const postOne = async (text: string, since: bigint) => {
      const ann = join('ann', 'lobby', since);
      ann.post(text);
      await ann.until((e) => e.event?.$case === 'message' && e.event.value.text === text, text);
      seen.push(ann.messages().at(-1)?.seq ?? 0n);
      ann.call.end();
      await ann.ended;
      return ann;
    };
    try {
      await postOne('one', 0n);
      const two = await postOne('two', seen[0] ?? 0n);
      // A crash with appendfsync everysec loses the last second: here, the counter and the log's newest entry.
      await admin.hSet(keys.counter, 'seq', String(seen[0]));
      await admin.xTrim(keys.log, 'MAXLEN', 1);
      await admin.close();
      await redis.kill();
      await redis.start();
      await storeReady(chat.service);
      const three = await postOne('three', seen[1] ?? 0n);
      expect(three.events[0]?.event).toMatchObject({ $case: 'joined', value: { historyTrimmed: true } });
      // The room expires with no one in it: ROOM_TTL_SECONDS on Redis's clock, here until it has
      // passed the millisecond the last epoch counts from; then every key of the room goes.
      const cleaner = redisClient(redis.url);
      await cleaner.connect();
      try {
        const lastEpochMs = (seen[2] ?? 0n) / SEQ_EPOCH;
        const redisMs = async () => {
          const [seconds, micros] = await cleaner.time();
          return BigInt(seconds) * 1000n + BigInt(micros) / 1000n;
        };
        await eventually(async () => (await redisMs()) > lastEpochMs, {
          what: "Redis's clock to pass the last epoch's millisecond",
        });
        await cleaner.del(Object.values(keys));
      } finally {
        await cleaner.close();
      }
      await postOne('four', seen[2] ?? 0n);
      expect(seen.map(seqInEpoch)).toEqual([1n, 2n, 1n, 1n]);
      expect(seen[2]).toBeGreaterThan((seen[1] ?? 0n) + SEQ_EPOCH - 2n);
      expect(seen[3]).toBeGreaterThan(seen[2] ?? 0n);
      expect(two.seqs()).toEqual([2n]);
    } finally {
      await admin.close().catch(() => undefined);
    }
  });
});
