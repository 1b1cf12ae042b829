import { eventually } from '@quartet/grpc-testing';
import WebSocket from 'ws';
import { honestChat, honestGet, metric } from './support/honest-http';
import { maskedTextFrame, openRawSocket, websocketHandshake } from './support/raw-http';
import { gatewayUnderAttack } from './support/gateway-under-attack';

const MAX_STREAMS_PER_CLIENT = 16;

/** One client address holding streams, and WebSocket members that vanish or never read. */
describe('clients that hold the gateway’s streams', () => {
  const sut = gatewayUnderAttack();
  const { attack } = sut;
  const stack = () => sut.stack;
  const wsUrl = () => stack().gatewayUrl.replace('http', 'ws');

  /** An SSE stream from the honest address: its first event must come. */
  const honestTicker = async () => {
    const { status, body } = await honestGet(
      `${stack().gatewayUrl}/api/ticker/HONEST?count=2&intervalMs=0`,
      stack().honest,
    );
    if (status !== 200 || !body.includes('event: end')) throw new Error(`ticker: ${status}`);
  };

  it('refuses one address its 17th SSE stream with 429 while another address streams', async () => {
    const controllers: AbortController[] = [];
    const answer = await attack(
      `${MAX_STREAMS_PER_CLIENT + 1} SSE streams from one address`,
      async () => {
        for (let i = 0; i < MAX_STREAMS_PER_CLIENT; i += 1) {
          const controller = new AbortController();
          controllers.push(controller);
          const held = await fetch(`${stack().gatewayUrl}/api/ticker/HOLD${i}?intervalMs=1000`, {
            signal: controller.signal,
            headers: { authorization: stack().attacker },
          });
          expect(held.status).toBe(200);
        }
        const refused = await fetch(`${stack().gatewayUrl}/api/ticker/ONEMORE?intervalMs=1000`, {
          headers: { authorization: stack().attacker },
        });
        return { status: refused.status, body: await refused.json() };
      },
      honestTicker,
    );
    expect(answer).toEqual({
      status: 429,
      body: {
        error: {
          code: 'RESOURCE_EXHAUSTED',
          message: `this client already has ${MAX_STREAMS_PER_CLIENT} open streams; the limit is ${MAX_STREAMS_PER_CLIENT}`,
        },
      },
    });
    for (const controller of controllers) controller.abort();
    await eventually(
      async () =>
        (
          await fetch(`${stack().gatewayUrl}/api/ticker/AGAIN?count=1`, {
            headers: { authorization: stack().attacker },
          })
        ).status === 200,
      {
        what: 'the address streaming again once it let go',
      },
    );
  }, 20_000);

  it('refuses one address its 17th chat room with 429 while another address joins and posts', async () => {
    const sockets: WebSocket[] = [];
    const answer = await attack(
      `${MAX_STREAMS_PER_CLIENT + 1} chat rooms squatted from one address`,
      async () => {
        for (let i = 0; i < MAX_STREAMS_PER_CLIENT; i += 1) {
          const socket = new WebSocket(`${wsUrl()}/api/chat?room=squat-${i}`, {
            headers: { authorization: stack().attacker },
          });
          sockets.push(socket);
          await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        }
        const refused = new WebSocket(`${wsUrl()}/api/chat?room=squat-more`, {
          headers: { authorization: stack().attacker },
        });
        return new Promise((resolve) => {
          refused.once('error', () => undefined);
          refused.once('unexpected-response', (_request, response) => resolve(response.statusCode));
        });
      },
      () => honestChat(stack(), 'honest-room'),
    );
    expect(answer).toBe(429);
    await Promise.all(
      sockets.map((socket) => {
        socket.close();
        return new Promise((resolve) => socket.once('close', resolve));
      }),
    );
    await eventually(async () => (await metric(stack(), 'gateway_open_streams{route="/api/chat"}')) === 0, {
      what: 'the squatted rooms let go',
    });
  }, 20_000);

  it('drops a member that vanished (answers no ping) within two ping intervals', async () => {
    const closedAfterMs = await attack(
      'a vanished browser: handshake, then silence',
      async () => {
        const socket = await openRawSocket(stack().gateway.address);
        const started = performance.now();
        socket.write(websocketHandshake('/api/chat?room=vanish', { authorization: stack().attacker }));
        // Reads what comes (the 101, the joined frame, pings) but never answers a ping.
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        await new Promise((resolve) => socket.once('close', resolve));
        expect(received.split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
        return Math.round(performance.now() - started);
      },
      () => honestChat(stack(), 'honest-room'),
    );
    // WS_PING_INTERVAL_MS is 1 s here: dropped at the second ping, after 1 to 2 s (more on a
    // loaded machine); the default of 20 s drops it within 40 s.
    expect(closedAfterMs).toBeLessThan(8_000);
    expect(await metric(stack(), 'gateway_limit_refusals_total{limit="ws_ping"}')).toBeGreaterThanOrEqual(1);
  }, 20_000);
});

/** Pings so rare that only the frame limits can end a member that never reads. */
describe('a member that sends garbage and never reads', () => {
  const sut = gatewayUnderAttack({ WS_PING_INTERVAL_MS: '600000' });
  const { attack } = sut;
  const stack = () => sut.stack;

  it('is closed after 100 bad frames, its error replies never buffered past the backlog', async () => {
    const answer = await attack(
      'garbage frames from a member that never reads',
      async () => {
        const socket = await openRawSocket(stack().gateway.address);
        socket.write(websocketHandshake('/api/chat?room=garbage', { authorization: stack().attacker }));
        socket.pause();
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        const garbage = Buffer.concat(Array.from({ length: 1_000 }, () => maskedTextFrame('{not json')));
        let sent = 0;
        // Bounded: 500,000 frames (about 8 MB) or 15 s, whichever comes first.
        const until = Date.now() + 15_000;
        while (!socket.destroyed && sent < 500_000 && Date.now() < until) {
          if (!socket.write(garbage)) {
            await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
          }
          sent += 1_000;
        }
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        return { closedByGateway: socket.destroyed, framesSent: sent };
      },
      () => honestChat(stack(), 'honest-room'),
    );
    expect(answer.closedByGateway).toBe(true);
    expect(await metric(stack(), 'gateway_limit_refusals_total{limit="ws_bad_frames"}')).toBe(1);
    expect(await metric(stack(), 'gateway_limit_refusals_total{limit="ws_ping"}')).toBe(0);
  }, 40_000);
});
