import { eventually, pathSpellingsOf } from '@quartet/grpc-testing';
import WebSocket from 'ws';
import { gatewayUnderAttack } from './support/gateway-under-attack';
import { honestChat, metric } from './support/honest-http';
import { rawHttp, websocketHandshake } from './support/raw-http';

const CHAT = '/api/chat?room=a';
const OPEN_CHATS = 'gateway_open_streams{route="/api/chat"}';

/** The WebSocket handshake, malformed and broken off every way, against the built gateway. */
describe('WebSocket handshakes that attack the gateway', () => {
  const sut = gatewayUnderAttack();
  const { attack } = sut;
  const stack = () => sut.stack;

  afterEach(async () => {
    // Whatever the attack left is cleaned up: no chat stays open at the gateway.
    await eventually(async () => (await metric(stack(), OPEN_CHATS)) === 0, {
      what: 'no open chats',
    });
  });

  const statusLine = (response: string) => response.split('\r\n')[0];
  const jsonBody = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

  it('refuses an h2c upgrade of the chat route with 400 and stays up (the crash of issue 10)', async () => {
    const exchange = await attack('h2c upgrade on /api/chat', () =>
      rawHttp(stack().gateway.address, {
        send: `GET ${CHAT} HTTP/1.1\r\nHost: x\r\nAuthorization: ${stack().attacker}\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n`,
        halfClose: true,
      }),
    );
    expect(statusLine(exchange.response)).toBe('HTTP/1.1 400 Bad Request');
    expect(jsonBody(exchange.response)).toEqual({
      error: { code: 'BAD_REQUEST', message: 'this route upgrades to "websocket" only, not "h2c"' },
    });
    expect((await fetch(`${stack().gatewayUrl}/healthz`)).status).toBe(200);
  });

  it.each([
    [
      'a missing key',
      { 'sec-websocket-key': undefined },
      'HTTP/1.1 400 Bad Request',
      'Sec-WebSocket-Key must be 16 bytes in base64',
    ],
    [
      'a bad key',
      { 'sec-websocket-key': 'not base64!' },
      'HTTP/1.1 400 Bad Request',
      'Sec-WebSocket-Key must be 16 bytes in base64',
    ],
    [
      'version 8',
      { 'sec-websocket-version': '8' },
      'HTTP/1.1 426 Upgrade Required',
      'only WebSocket version 13 is spoken here',
    ],
  ])('refuses a signed-in handshake with %s, saying why', async (name, headers, line, message) => {
    const exchange = await attack(`handshake with ${name}`, () =>
      rawHttp(stack().gateway.address, {
        send: websocketHandshake(CHAT, { authorization: stack().attacker, ...headers }),
      }),
    );
    expect(statusLine(exchange.response)).toBe(line);
    expect(jsonBody(exchange.response)).toEqual({ error: { code: 'BAD_REQUEST', message } });
  });

  it('tells a client of another WebSocket version the one it speaks', async () => {
    const exchange = await rawHttp(stack().gateway.address, {
      send: websocketHandshake(CHAT, { authorization: stack().attacker, 'sec-websocket-version': '8' }),
    });
    expect(exchange.response).toMatch(/\r\nsec-websocket-version: 13\r\n/i);
  });

  it('refuses a handshake without a token with 401 before looking at it, as any signed-in route does', async () => {
    const exchange = await rawHttp(stack().gateway.address, {
      send: websocketHandshake(CHAT, { 'sec-websocket-key': undefined }),
    });
    expect(statusLine(exchange.response)).toBe('HTTP/1.1 401 Unauthorized');
    expect(jsonBody(exchange.response)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it.each(pathSpellingsOf('/api/chat'))(
    'refuses a handshake to %s without a token, never upgrading it nor failing with a 5xx',
    async (path) => {
      const exchange = await rawHttp(stack().gateway.address, { send: websocketHandshake(`${path}?room=a`) });
      expect(statusLine(exchange.response)).toMatch(/^HTTP\/1\.1 4\d\d /);
    },
  );

  it('survives a valid handshake followed at once by a half-close', async () => {
    const exchanges = await attack('valid handshake then half-close, 50 times', () =>
      Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          rawHttp(stack().gateway.address, {
            send: websocketHandshake(`/api/chat?room=hc-${i}`, { authorization: stack().attacker }),
            halfClose: true,
          }),
        ),
      ),
    );
    // Each was upgraded and then closed, dropped before the join was accepted, or (past the
    // client's 16 streams) refused; every one was closed by the gateway.
    const lines = new Set(exchanges.map(({ response }) => statusLine(response)));
    expect(exchanges.every(({ closedBy }) => closedBy === 'server')).toBe(true);
    expect(
      [...lines].filter(
        (line) => !['', 'HTTP/1.1 101 Switching Protocols', 'HTTP/1.1 429 Too Many Requests'].includes(line),
      ),
    ).toEqual([]);
  });

  it('survives a reset during the handshake and right after it', async () => {
    const handshake = websocketHandshake('/api/chat?room=reset', { authorization: stack().attacker });
    await attack('reset during and right after the handshake, 50 times each', () =>
      Promise.all(
        Array.from({ length: 50 }, (_, i) => [
          rawHttp(stack().gateway.address, { send: handshake.slice(0, 40 + i), resetAfterMs: i % 5 }),
          rawHttp(stack().gateway.address, { send: handshake, resetAfterMs: i % 10 }),
        ]).flat(),
      ),
    );
  });

  it('takes 1,000 connect/close cycles and holds nothing afterwards', async () => {
    const url = `${stack().gatewayUrl.replace('http', 'ws')}/api/chat?room=cycles`;
    const cycles = await attack('1,000 WebSocket connect/close cycles', async () => {
      let opened = 0;
      for (let i = 0; i < 1_000; i += 1) {
        const socket = new WebSocket(url, { headers: { authorization: stack().attacker } });
        await new Promise<void>((resolve, reject) => {
          socket.once('open', () => {
            opened += 1;
            socket.close();
          });
          socket.once('close', () => resolve());
          socket.once('error', reject);
        });
      }
      return opened;
    });
    expect(cycles).toBe(1_000);
    await honestChat(stack(), 'after-cycles');
  }, 60_000);
});
