import { Metadata, status } from '@grpc/grpc-js';
import {
  connect,
  deadlineIn,
  eventually,
  type ServiceProcess,
  spawnService,
  startTestRedis,
  statusOf,
  type TestRedis,
} from '@quartet/grpc-testing';
import { type ChatResponse, ChatServiceDefinition } from '@quartet/proto';

/** A lease short enough for the test: the killed replica's members go offline within 4/3 of it. */
const LEASE_MS = 1_500;
const EPOCH = 1024n;

/** A member over a real bidi call to one replica, recording what it receives. */
function member(address: string, user: string, room: string, sinceSeq = 0n) {
  const client = connect(ChatServiceDefinition, address);
  const call = client.chat(new Metadata(), deadlineIn(60_000));
  const events: ChatResponse[] = [];
  call.on('data', (event: ChatResponse) => events.push(event));
  const ended = statusOf(call);
  call.write({ action: { $case: 'join', value: { room, user, sinceSeq } } });
  const rawSeqs = () => events.flatMap((e) => (e.event?.$case === 'message' ? [e.event.value.seq] : []));
  // Redis starts a room's seqs at an epoch, its time in milliseconds times 1024: compare within it.
  const seqs = () => rawSeqs().map((seq) => seq % EPOCH);
  const epoch = () => {
    const last = rawSeqs().at(-1) ?? 0n;
    return last - (last % EPOCH);
  };

  return {
    events,
    ended,
    seqs,
    epoch,
    post: (text: string) => call.write({ action: { $case: 'post', value: { text, clientId: '' } } }),
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

describe('chat replicas on Redis when one is SIGKILLed', () => {
  let redis: TestRedis;
  const replicas: ServiceProcess[] = [];
  const members: ReturnType<typeof member>[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    for (const id of ['chat-a', 'chat-b']) {
      replicas.push(
        await spawnService('chat', {
          env: { REDIS_URL: redis.url, CHAT_PRESENCE_LEASE_MS: String(LEASE_MS), INSTANCE_ID: id },
        }),
      );
    }
  });

  afterAll(async () => {
    for (const m of members) m.close();
    await Promise.all(replicas.map((replica) => replica.stop('SIGKILL')));
    await redis.stop();
  });

  it('takes its members offline for everyone within 4/3 of the lease, and they resume on another replica with no gap', async () => {
    const [doomed, survivor] = replicas.map((replica) => replica.address);
    if (!doomed || !survivor) throw new Error('two replicas expected');
    const joined = (m: ReturnType<typeof member>) =>
      m.events.flatMap((e) => (e.event?.$case === 'joined' ? [e.event.value] : []))[0];
    const ann = member(doomed, 'ann', 'lobby');
    members.push(ann);
    await eventually(() => joined(ann) !== undefined, { what: 'ann joining' });
    const bob = member(survivor, 'bob', 'lobby');
    members.push(bob);
    await eventually(() => joined(bob) !== undefined, { what: 'bob joining' });
    expect(joined(bob)?.members).toEqual(['ann', 'bob']);
    const online = (user: string, value: boolean) => () =>
      bob.events.some(
        (e) => e.event?.$case === 'presence' && e.event.value.user === user && e.event.value.online === value,
      );
    for (let i = 1; i <= 3; i += 1) ann.post(`ann ${i}`);
    await eventually(() => bob.seqs().length === 3, { what: 'bob receiving 3 messages' });

    replicas[0]?.child.kill('SIGKILL');
    expect((await ann.ended).code).toBe(status.UNAVAILABLE);
    // Meanwhile the conversation goes on without ann.
    for (let i = 1; i <= 2; i += 1) bob.post(`bob ${i}`);
    const killedAt = Date.now();
    await eventually(online('ann', false), {
      what: 'ann going offline',
      timeoutMs: (LEASE_MS * 4) / 3 + 2_000,
    });
    const tookMs = Date.now() - killedAt;
    console.info(`chat: a SIGKILLed replica's member went offline for the others after ${tookMs} ms`);

    const annBack = member(survivor, 'ann', 'lobby', bob.epoch() + 3n);
    members.push(annBack);
    await eventually(() => annBack.seqs().length === 2, { what: 'ann receiving what she missed' });
    annBack.post('ann is back');
    await eventually(() => bob.seqs().length === 6 && annBack.seqs().length === 3, {
      what: 'both receiving seq 6',
    });
    expect(annBack.seqs()).toEqual([4n, 5n, 6n]);
    expect(bob.seqs()).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    const annPresence = bob.events.flatMap((e) =>
      e.event?.$case === 'presence' && e.event.value.user === 'ann' ? [e.event.value.online] : [],
    );
    expect(annPresence).toEqual([false, true]);
  }, 60_000);
});
