import type { IncomingMessage } from 'node:http';

export interface HandshakeProblem {
  readonly statusCode: number;
  readonly message: string;
  /** Headers the refusal must carry (RFC 6455 §4.4: the versions the server speaks). */
  readonly headers?: Readonly<Record<string, string>>;
}

const KEY = /^[A-Za-z0-9+/]{22}==$/;

/**
 * What is wrong with a WebSocket handshake (RFC 6455 §4.2.1), checked before any backend
 * call is started for it, so that a malformed one costs nothing and is told why in the
 * same JSON shape as every other error.
 */
export function handshakeProblem(request: IncomingMessage): HandshakeProblem | undefined {
  if (request.method !== 'GET') {
    return { statusCode: 405, message: `a WebSocket handshake is a GET, not ${request.method ?? 'nothing'}` };
  }
  const upgrade = request.headers.upgrade ?? '';
  if (upgrade.toLowerCase() !== 'websocket') {
    return {
      statusCode: 400,
      message: `this route upgrades to "websocket" only, not ${JSON.stringify(upgrade.slice(0, 40))}`,
    };
  }
  if (!KEY.test(request.headers['sec-websocket-key'] ?? '')) {
    return { statusCode: 400, message: 'Sec-WebSocket-Key must be 16 bytes in base64' };
  }
  if (request.headers['sec-websocket-version'] !== '13') {
    return {
      statusCode: 426,
      message: 'only WebSocket version 13 is spoken here',
      headers: { 'sec-websocket-version': '13' },
    };
  }
  return undefined;
}
