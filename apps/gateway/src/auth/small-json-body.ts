import { HttpException, HttpStatus } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';

/**
 * Reads a small JSON body whole: the gateway leaves bodies unread (uploads stream), so the one
 * route that takes JSON reads it here, refusing what is not JSON or longer than `maxBytes`.
 */
export async function readSmallJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
    throw new HttpException('the body must be application/json', HttpStatus.UNSUPPORTED_MEDIA_TYPE);
  }
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpException('the body is not valid JSON', HttpStatus.BAD_REQUEST);
  }
}

function tooLarge(maxBytes: number): HttpException {
  return new HttpException(`the body may be at most ${maxBytes} bytes`, HttpStatus.PAYLOAD_TOO_LARGE);
}
