import { connect, type Socket } from 'node:net';

/** What a raw HTTP client saw: every byte the server sent, and who closed the connection. */
export interface RawExchange {
  readonly response: string;
  readonly closedBy: 'server' | 'client' | 'timeout';
  readonly ms: number;
}

export interface RawHttpOptions {
  /** Written at once, in one piece. */
  readonly send?: string | Buffer;
  /** Written afterwards one byte every `dripMs`, until the server closes or it runs out. */
  readonly drip?: string;
  readonly dripMs?: number;
  /** Half-closes after writing `send`. */
  readonly halfClose?: boolean;
  /** Resets the connection this long after writing `send`. */
  readonly resetAfterMs?: number;
  readonly timeoutMs?: number;
}

/** A TCP connection to the gateway that speaks HTTP by hand, as a hostile client would. */
export function rawHttp(address: string, options: RawHttpOptions): Promise<RawExchange> {
  const [host, port] = splitAddress(address);
  const socket = connect({ host, port });
  const started = performance.now();
  return new Promise((resolve) => {
    let response = '';
    let closedBy: RawExchange['closedBy'] = 'server';
    let drip: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      closedBy = 'timeout';
      socket.destroy();
    }, options.timeoutMs ?? 10_000);
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      clearInterval(drip);
      resolve({ response, closedBy, ms: Math.round(performance.now() - started) });
    });
    socket.once('connect', () => {
      if (options.send !== undefined) socket.write(options.send);
      if (options.halfClose) socket.end();
      if (options.resetAfterMs !== undefined) {
        setTimeout(() => {
          closedBy = 'client';
          socket.resetAndDestroy();
        }, options.resetAfterMs);
      }
      const dripped = options.drip ?? '';
      let at = 0;
      if (dripped.length > 0) {
        drip = setInterval(() => {
          if (at >= dripped.length || socket.destroyed) return clearInterval(drip);
          socket.write(dripped[at]);
          at += 1;
        }, options.dripMs ?? 100);
      }
    });
  });
}

/** A raw connection held open by the caller (for a WebSocket spoken by hand). */
export function openRawSocket(address: string): Promise<Socket> {
  const [host, port] = splitAddress(address);
  const socket = connect({ host, port });
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The request line and headers of a WebSocket handshake to `path`, with `overrides` applied. */
export function websocketHandshake(path: string, overrides: Record<string, string | undefined> = {}): string {
  const headers: Record<string, string | undefined> = {
    host: 'gateway',
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-version': '13',
    ...overrides,
  };
  const lines = Object.entries(headers).flatMap(([name, value]) =>
    value === undefined ? [] : [`${name}: ${value}`],
  );
  return [`GET ${path} HTTP/1.1`, ...lines, '', ''].join('\r\n');
}

/** One client-to-server text frame (RFC 6455 §5.2), masked with a zero key as a client must mask. */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('maskedTextFrame writes short frames only');
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}
