import type { IncomingMessage } from 'node:http';
import { handshakeProblem } from './websocket-handshake';

const handshake = (headers: Record<string, string>, method = 'GET') =>
  ({
    method,
    headers: {
      upgrade: 'websocket',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      ...headers,
    },
  }) as unknown as IncomingMessage;

describe(handshakeProblem.name, () => {
  it('accepts the RFC 6455 sample handshake', () => {
    expect(handshakeProblem(handshake({}))).toBeUndefined();
  });

  it.each([
    ['an h2c upgrade', { upgrade: 'h2c' }, 400, 'this route upgrades to "websocket" only, not "h2c"'],
    ['a missing key', { 'sec-websocket-key': '' }, 400, 'Sec-WebSocket-Key must be 16 bytes in base64'],
    [
      'a key of the wrong length',
      { 'sec-websocket-key': 'c2hvcnQ=' },
      400,
      'Sec-WebSocket-Key must be 16 bytes in base64',
    ],
    ['version 8', { 'sec-websocket-version': '8' }, 426, 'only WebSocket version 13 is spoken here'],
  ])('refuses %s with %i, saying why', (_case, headers, statusCode, message) => {
    expect(handshakeProblem(handshake(headers))).toMatchObject({ statusCode, message });
  });

  it('tells a client of another version which one it speaks', () => {
    expect(handshakeProblem(handshake({ 'sec-websocket-version': '8' }))?.headers).toEqual({
      'sec-websocket-version': '13',
    });
  });

  it('refuses a handshake that is not a GET', () => {
    expect(handshakeProblem(handshake({}, 'POST'))?.statusCode).toBe(405);
  });
});
