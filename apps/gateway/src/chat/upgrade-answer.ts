import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { SERVED_BY_HEADER } from '@quartet/proto';

/** Answers a WebSocket handshake that is refused with a plain HTTP response and a JSON body. */
export function answerUpgrade(
  socket: Duplex,
  statusCode: number,
  body: object,
  servedBy?: string,
  headers: readonly string[] = [],
): void {
  if (socket.destroyed) return;
  const json = JSON.stringify(body);
  socket.end(
    [
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(json)}`,
      'connection: close',
      ...(servedBy ? [`${SERVED_BY_HEADER}: ${servedBy}`] : []),
      ...headers,
      '',
      json,
    ].join('\r\n'),
  );
}
