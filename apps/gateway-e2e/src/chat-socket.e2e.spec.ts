import { eventually } from '@quartet/grpc-testing';
import { ChatClient, type Frame } from './chat-client';
import { type GatewayStack, sample, startGatewayStack, type TestGateway } from './fixture';

const isMessage = (text: string) => (frame: Frame) => frame.type === 'message' && frame.text === text;

describe('/api/chat as a WebSocket', () => {
  let stack: GatewayStack;
  let gateway: TestGateway;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    stack = await startGatewayStack({
      // One member floods the room to fill a sleeping member's backlog, far past a person's posting rate.
      chat: { CHAT_MAX_BACKLOG: '64', CHAT_HISTORY: '32', CHAT_POSTS_PER_SECOND: '100000' },
    });
    gateway = stack.gateway;
  }, 60_000);

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const url = (query: string) => `${gateway.url.replace('http', 'ws')}/api/chat?${query}`;
  /** Joins as the query's `user`, signed in as that user. */
  const join = async (query: string) => {
    const user = new URLSearchParams(query).get('user') ?? 'tester';
    const client = await ChatClient.open(url(query), await gateway.signedIn(user));
    clients.push(client);
    return client;
  };

  it('lets two members chat, each seeing the other come and go', async () => {
    const ann = await join('room=lobby&user=ann');
    expect(ann.servedBy).toBe('chat-1');
    expect(await ann.next((f) => f.type === 'joined')).toEqual({
      type: 'joined',
      room: 'lobby',
      user: 'ann',
      members: ['ann'],
      memberCount: 1,
      lastSeq: 0,
      historyTrimmed: false,
    });
    const bob = await join('room=lobby&user=bob');
    await ann.next((f) => f.type === 'presence' && f.user === 'bob' && f.online === true, 'bob to come');

    bob.send({ type: 'post', text: 'hi ann', clientId: 'b-1' });
    const seen = await ann.next(isMessage('hi ann'));
    expect(seen).toEqual({
      type: 'message',
      room: 'lobby',
      seq: 1,
      user: 'bob',
      text: 'hi ann',
      time: expect.any(String),
      clientId: 'b-1',
    });
    await bob.next(isMessage('hi ann'), 'the sender to get its own message');

    bob.close();
    await ann.next((f) => f.type === 'presence' && f.user === 'bob' && f.online === false, 'bob to leave');
  });

  it('answers bad frames with error frames and goes on', async () => {
    const cat = await join('room=frames&user=cat');
    await cat.next((f) => f.type === 'joined');
    cat.send('not json');
    cat.send({ type: 'shout', text: 'hey' });
    const oversized = JSON.stringify({ type: 'post', text: 'x'.repeat(20_000) });
    cat.send(oversized);
    cat.socket.send(Buffer.from([1, 2, 3]));
    cat.send({ type: 'post', text: 'still here' });
    await cat.next(isMessage('still here'));
    expect(cat.frames.filter((f) => f.type === 'error').map((f) => f.error)).toEqual([
      { code: 'INVALID_ARGUMENT', message: 'the frame is not JSON' },
      { code: 'INVALID_ARGUMENT', message: 'unknown frame type "shout"; the one type is "post"' },
      { code: 'INVALID_ARGUMENT', message: `the frame is ${oversized.length} bytes; the limit is 8192` },
      { code: 'INVALID_ARGUMENT', message: 'frames must be text: JSON such as {"type":"post","text":"hi"}' },
    ]);
    expect(cat.closed).toBeUndefined();
  });

  it('relays the chat service refusing a post as an error frame, then closes with 1008; the room goes on', async () => {
    const dan = await join('room=rules&user=dan');
    const eve = await join('room=rules&user=eve');
    dan.send({ type: 'post', text: '   ' });
    expect(await dan.next((f) => f.type === 'error')).toEqual({
      type: 'error',
      error: { code: 'INVALID_ARGUMENT', message: 'text must not be blank' },
    });
    expect(await dan.closedWith()).toEqual({ code: 1008, reason: 'INVALID_ARGUMENT' });
    await eve.next((f) => f.type === 'presence' && f.user === 'dan' && f.online === false, 'dan to leave');
    eve.send({ type: 'post', text: 'fine here' });
    await eve.next(isMessage('fine here'));
  });

  it('refuses a handshake with bad query parameters or a join the service refuses, as HTTP JSON', async () => {
    const fay = await gateway.signedIn('fay');
    expect(await ChatClient.refused(url('user=fay'), fay)).toEqual({
      status: 400,
      servedBy: undefined,
      body: { error: { code: 'BAD_REQUEST', message: 'query parameter "room" is required, once' } },
    });
    expect(await ChatClient.refused(url('room=lobby&since=-3'), fay)).toMatchObject({ status: 400 });
    expect(await ChatClient.refused(url('room=No%20Spaces'), fay)).toEqual({
      status: 400,
      servedBy: 'chat-1',
      body: {
        error: {
          code: 'INVALID_ARGUMENT',
          message: 'room "No Spaces" is not 1 to 32 characters of a-z, 0-9, "-" and "_"',
        },
      },
    });
    const elsewhere = await ChatClient.refused(`${gateway.url.replace('http', 'ws')}/api/elsewhere`);
    expect(elsewhere).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('replays what came after `since` when a member comes back', async () => {
    const gus = await join('room=history&user=gus');
    for (const text of ['one', 'two', 'three']) gus.send({ type: 'post', text });
    await gus.next(isMessage('three'));
    const back = await join('room=history&user=hal&since=1');
    await back.next(isMessage('three'));
    expect(back.frames.filter((f) => f.type === 'message').map((f) => [f.seq, f.text])).toEqual([
      [2, 'two'],
      [3, 'three'],
    ]);
  });

  it('does not buffer for a member that reads nothing: the chat service cuts it off and the room goes on', async () => {
    const slow = await join('room=slow&user=slow');
    await slow.next((f) => f.type === 'joined');
    slow.socket.pause();
    const fast = await join('room=slow&user=fast');
    const text = 'x'.repeat(900);
    let posts = 0;
    await eventually(
      () => {
        for (let i = 0; i < 20; i += 1) fast.send({ type: 'post', text: `${posts++} ${text}` });
        return fast.frames.some((f) => f.type === 'presence' && f.user === 'slow' && f.online === false);
      },
      { what: 'the slow member to be cut off', everyMs: 50, timeoutMs: 30_000 },
    );
    console.info(
      `gateway: a WebSocket member that reads nothing is cut off after about ${posts} posts of 900 chars`,
    );
    const metrics = await (await fetch(gateway.metricsUrl)).text();
    expect(sample(metrics, 'gateway_stream_pauses_total{route="/api/chat"}')).toBeGreaterThan(0);
    fast.send({ type: 'post', text: 'after' });
    await fast.next(isMessage('after'));
  }, 40_000);

  it('ends a session at its deadline with an error frame', async () => {
    const short = await stack.anotherGateway({ STREAM_DEADLINE_MS: '500' });
    try {
      const ivy = await ChatClient.open(
        `${short.url.replace('http', 'ws')}/api/chat?room=late&user=ivy`,
        await short.signedIn('ivy'),
      );
      expect(await ivy.closedWith()).toEqual({ code: 1008, reason: 'DEADLINE_EXCEEDED' });
      expect(ivy.frames.at(-1)).toEqual({
        type: 'error',
        error: { code: 'DEADLINE_EXCEEDED', message: 'the service did not answer within the deadline' },
      });
    } finally {
      await short.stop();
    }
  });
});
