import type { Writable } from 'node:stream';
import { fromEvent, map, type Observable, of, take } from 'rxjs';

/**
 * Emits once, when `call` can take another message without it waiting in memory: at once
 * if its buffer has room, else at its next 'drain'. A stream that produces its next message
 * only after this emits is paced by the client's reading (HTTP/2 flow control), because
 * NestJS itself queues without bound whatever an Observable emits while a call is full.
 */
export function whenWritable(call: Writable): Observable<void> {
  if (!call.writableNeedDrain) return of(undefined);
  return fromEvent(call, 'drain').pipe(
    take(1),
    map(() => undefined),
  );
}
