import {
  eventually,
  type ServiceProcess,
  spawnReplicas,
  startTestRedis,
  stopReplicas,
  type TestRedis,
} from '@quartet/grpc-testing';
import type { Browser, Page } from 'playwright-core';
import { chatLines, joinRoom, launchChromium, membersShown, say, signIn } from './browser';
import { ChatClient, type Frame } from './chat-client';
import { startTestGateway, type TestGateway } from './fixture';

/** Short, so that a killed replica's members go offline within a few seconds (4/3 of it). */
const LEASE_MS = 1_500;

const messagesOf = (client: ChatClient) =>
  client.frames.filter((frame) => frame.type === 'message') as (Frame & { seq: number; text: string })[];
const lastSeqOf = (client: ChatClient) => messagesOf(client).at(-1)?.seq ?? 0;
/** A seq within its room's epoch: Redis starts a room's seqs at its time in milliseconds times 1024. */
const inEpoch = (seq: number) => seq % 1024;
const seqsOf = (client: ChatClient) => messagesOf(client).map((m) => inEpoch(m.seq));
const presence = (user: string, online: boolean) => (frame: Frame) =>
  frame.type === 'presence' && frame.user === user && frame.online === online;

/** The gateway in front of three chat replicas that keep their rooms in one real redis-server. */
describe('chat rooms on Redis behind the gateway', () => {
  let redis: TestRedis;
  let chats: ServiceProcess[];
  let gateway: TestGateway;
  let browser: Browser | undefined;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    chats = await spawnReplicas('chat', 3, {
      REDIS_URL: redis.url,
      CHAT_PRESENCE_LEASE_MS: String(LEASE_MS),
    });
    gateway = await startTestGateway({ chat: chats.map((chat) => chat.address).join(',') });
  }, 60_000);

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await stopReplicas(chats ?? []);
    await redis?.stop();
  });

  /** Joins `room` as `user` over the gateway's WebSocket; a handshake refused while replicas change is tried again. */
  const join = async (user: string, room: string, since = 0) => {
    const url = `${gateway.url.replace('http', 'ws')}/api/chat?room=${room}&since=${since}`;
    const headers = await gateway.signedIn(user);
    let client: ChatClient | undefined;
    await eventually(
      async () => {
        client = await ChatClient.open(url, headers).catch(() => undefined);
        return client !== undefined;
      },
      { what: `${user} joining ${room}`, timeoutMs: 10_000, everyMs: 100 },
    );
    const joined = client as ChatClient;
    clients.push(joined);
    await joined.next((frame) => frame.type === 'joined', `${user} joined`);
    return joined;
  };

  it('serves one room from three replicas, the gateway balancing per call: everyone sees one seq order', async () => {
    // The gateway watches a backend's replicas from its first call on, and balances over those SERVING.
    (await join('warm-up', 'warm-up')).close();
    await eventually(
      () =>
        chats.every((chat) =>
          gateway.process.logs.some((entry) => {
            const message = entry['message'] as Record<string, unknown> | undefined;
            return (
              message?.['event'] === 'replica-health' &&
              message['address'] === chat.address &&
              message['health'] === 'SERVING'
            );
          }),
        ),
      { what: 'the gateway to see every chat replica SERVING' },
    );
    const members = [await join('ann', 'spread'), await join('bob', 'spread'), await join('cyd', 'spread')];
    expect(new Set(members.map((member) => member.servedBy))).toEqual(
      new Set(['chat-1', 'chat-2', 'chat-3']),
    );
    for (let i = 0; i < 15; i += 1)
      members[i % 3]?.send({ type: 'post', text: `post ${i}`, clientId: `c-${i}` });
    await Promise.all(
      members.map((member) => eventually(() => inEpoch(lastSeqOf(member)) === 15, { what: 'seq 15' })),
    );
    const seen = members.map((member) =>
      messagesOf(member).map(({ seq, user, text }) => `${seq} ${user} ${text}`),
    );
    expect(seen[0]).toHaveLength(15);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  });

  it('lets two browser contexts on different replicas chat in one room', async () => {
    browser = await launchChromium();
    const open = async (name: string) => {
      const context = await browser?.newContext();
      if (!context) throw new Error('no browser');
      const page = await context.newPage();
      // The replica that took the page's chat call names itself on the WebSocket handshake.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      const servedBy: string[] = [];
      cdp.on('Network.webSocketHandshakeResponseReceived', ({ response }) => {
        const header = Object.entries(response.headers).find(([key]) => key.toLowerCase() === 'x-served-by');
        if (header) servedBy.push(String(header[1]));
      });
      await page.goto(gateway.url);
      return { page, servedBy, user: await signIn(page, name) };
    };
    const ann = await open('ann');
    const bob = await open('bob');
    await joinRoom(ann.page, 'browsers');
    await joinRoom(bob.page, 'browsers');
    expect(ann.servedBy).toHaveLength(1);
    expect(bob.servedBy).toHaveLength(1);
    expect(ann.servedBy[0]).not.toBe(bob.servedBy[0]);
    await membersShown(ann.page, [ann.user, bob.user]);

    await say(ann.page, 'from one replica');
    await say(bob.page, 'to another');
    const both = (page: Page) =>
      page.waitForFunction(() => document.querySelectorAll('#chat-messages li').length === 2);
    await Promise.all([both(ann.page), both(bob.page)]);
    expect(await chatLines(ann.page)).toEqual(await chatLines(bob.page));
    expect(await chatLines(ann.page)).toEqual(expect.arrayContaining(['from one replica', 'to another']));
    await ann.page.context().close();
    await bob.page.context().close();
  }, 60_000);

  it('closes every member with an UNAVAILABLE error frame and 1013 while Redis is away; they rejoin with since and miss nothing', async () => {
    const ann = await join('ann', 'outage');
    const bob = await join('bob', 'outage');
    ann.send({ type: 'post', text: 'before', clientId: 'o-1' });
    await bob.next((frame) => frame.type === 'message' && frame.text === 'before');

    await redis.pause();
    for (const member of [ann, bob]) {
      expect(await member.closedWith()).toMatchObject({ code: 1013 });
      expect(member.frames.at(-1)).toEqual({
        type: 'error',
        error: {
          code: 'UNAVAILABLE',
          message:
            'the chat store cannot be reached; rejoin with since_seq once the service is serving again',
        },
      });
    }
    await redis.start();
    const annBack = await join('ann', 'outage', lastSeqOf(ann));
    const bobBack = await join('bob', 'outage', lastSeqOf(bob));
    annBack.send({ type: 'post', text: 'after', clientId: 'o-2' });
    await bobBack.next((frame) => frame.type === 'message' && frame.text === 'after');
    // Redis restarted: the post after it starts a new epoch, above every seq before.
    expect(messagesOf(bobBack).map((m) => m.text)).toEqual(['after']);
    expect(messagesOf(bobBack)[0]?.seq).toBeGreaterThan(lastSeqOf(bob));
  }, 30_000);

  it('moves the members of a SIGKILLed replica to the others: they go offline, rejoin with since and miss nothing', async () => {
    const members = [await join('ann', 'killed'), await join('bob', 'killed'), await join('cyd', 'killed')];
    const [ann, ...others] = members as [ChatClient, ChatClient, ChatClient];
    ann.send({ type: 'post', text: 'one', clientId: 'k-1' });
    await Promise.all(members.map((member) => member.next((frame) => frame.type === 'message')));

    const doomed = chats.find((chat) => servedByOf(chat) === ann.servedBy);
    if (!doomed) throw new Error(`no replica named ${ann.servedBy}`);
    doomed.child.kill('SIGKILL');
    expect((await ann.closedWith()).code).toBe(1013);
    others[0].send({ type: 'post', text: 'two', clientId: 'k-2' });
    for (const other of others) {
      await other.next(presence('ann', false), 'ann going offline', (LEASE_MS * 4) / 3 + 2_000);
    }
    const annBack = await join('ann', 'killed', lastSeqOf(ann));
    expect(annBack.servedBy).not.toBe(ann.servedBy);
    await annBack.next((frame) => frame.type === 'message' && frame.text === 'two');
    annBack.send({ type: 'post', text: 'three', clientId: 'k-3' });
    for (const member of [annBack, ...others]) {
      await eventually(() => inEpoch(lastSeqOf(member)) === 3, { what: 'seq 3' });
    }
    expect(seqsOf(annBack)).toEqual([2, 3]);
    expect(seqsOf(others[1])).toEqual([1, 2, 3]);
  }, 30_000);
});

/** The INSTANCE_ID a replica was started with, as its x-served-by says it. */
function servedByOf(chat: ServiceProcess): string | undefined {
  return (chat.listening as { instance?: string }).instance;
}
