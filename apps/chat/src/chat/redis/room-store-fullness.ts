import { status } from '@grpc/grpc-js';
import type { LoggerService } from '@nestjs/common';
import { rpcError } from '@quartet/grpc-server';
import type { RedisClientType } from 'redis';
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';

/** How often a full Redis is asked again whether it takes writes. */
export const FULL_PROBE_MS = 1_000;
const PROBE_KEY = 'quartet:chat:room-store-probe';

/** Whether Redis refused a write for want of memory (maxmemory, with nothing to evict). */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && /\bOOM\b/.test(error.message);
}

export function roomStoreFull(): Error {
  return rpcError(
    status.RESOURCE_EXHAUSTED,
    'the room store is full; posts and joins are refused until it has room again',
  );
}

/**
 * Redis at its maxmemory (it evicts nothing: a room's history must not vanish) refuses every
 * write. That is a state of the whole store, not of one post: health says NOT_SERVING while it
 * lasts, so that it is seen and load balancers look elsewhere, and a small write every
 * FULL_PROBE_MS tells when it has room again. Members stay in their rooms meanwhile.
 */
export class RoomStoreFullness {
  private readonly state = new BehaviorSubject(false);
  readonly full: Observable<boolean> = this.state.pipe(distinctUntilChanged());
  private probe?: NodeJS.Timeout;

  constructor(
    private readonly client: RedisClientType,
    private readonly logger: LoggerService,
  ) {}

  get isFull(): boolean {
    return this.state.value;
  }

  /** `error` as the caller should see it: "the room store is full" for a write Redis refused for memory. */
  seen(error: unknown): unknown {
    if (!isOutOfMemory(error)) return error;
    if (!this.state.value) {
      this.logger.warn({
        event: 'chat-store',
        state: 'full',
        store: 'redis',
        reason: (error as Error).message,
      });
      this.state.next(true);
      this.probe = setInterval(() => void this.check(), FULL_PROBE_MS);
      this.probe.unref();
    }
    return roomStoreFull();
  }

  stop(): void {
    clearInterval(this.probe);
  }

  private async check(): Promise<void> {
    try {
      await this.client.set(PROBE_KEY, '1', { PX: FULL_PROBE_MS });
    } catch {
      return;
    }
    clearInterval(this.probe);
    this.logger.log({ event: 'chat-store', state: 'has-room', store: 'redis' });
    this.state.next(false);
  }
}
