import { status } from '@grpc/grpc-js';
import { rpcError } from '@quartet/grpc-server';
import type { ChatResponse, Presence } from '@quartet/proto';
import type { Writable } from 'node:stream';
import type { Subscriber } from 'rxjs';
import type { RoomConnection } from './chat-store';

/** The most changes one presence_changes event carries: a few tens of KiB at most. */
const MAX_PRESENCE_CHANGES = 1_000;

/**
 * One member's connection: hands events to the call only while it has room for them,
 * queues the rest, and cuts the member off once more than `maxBacklog` messages wait, so
 * that a member that does not read costs a bounded amount of memory and never holds up the
 * room. Presence is state, not history: while the member is behind, only each user's
 * latest presence waits (after the queued messages), and what waits goes out as one
 * `presence_changes` event, so that a burst of joins to a large room costs each member a
 * few events instead of one per user, and cuts nobody off.
 */
export class ChatMember implements RoomConnection {
  private readonly backlog: ChatResponse[] = [];
  /** The latest presence of each user not handed over yet, oldest change first. */
  private readonly presence = new Map<string, Presence>();
  private state: 'live' | 'finishing' | 'ended' = 'live';

  constructor(
    readonly user: string,
    private readonly subscriber: Subscriber<ChatResponse>,
    private readonly call: Writable,
    private readonly maxBacklog: number,
    private readonly onCutOff: () => void,
  ) {
    call.on('drain', this.flush);
  }

  get waiting(): number {
    return this.backlog.length + this.presence.size;
  }

  deliver(event: ChatResponse): void {
    if (this.state !== 'live') return;
    if (event.event?.$case === 'presence') {
      const { user } = event.event.value;
      this.presence.delete(user);
      this.presence.set(user, event.event.value);
      this.flush();
      return;
    }
    // A room's members as a whole: what presence still waits is older, and in it.
    if (event.event?.$case === 'members') this.presence.clear();
    this.backlog.push(event);
    this.flush();
    if (this.backlog.length > this.maxBacklog) {
      this.state = 'ended';
      // After the delivery that overflowed has reached every other member.
      queueMicrotask(() => {
        this.onCutOff();
        this.subscriber.error(
          rpcError(
            status.RESOURCE_EXHAUSTED,
            `cut off: over ${this.maxBacklog} events waited for this client to read; rejoin with since_seq`,
          ),
        );
      });
    }
  }

  fail(error: Error): void {
    if (this.state === 'ended') return;
    this.close();
    this.subscriber.error(error);
  }

  /** Completes the stream once what is queued has been handed over (the client half-closed). */
  finish(): void {
    if (this.state !== 'live') return;
    this.state = 'finishing';
    this.flush();
  }

  close(): void {
    this.state = 'ended';
    this.backlog.length = 0;
    this.presence.clear();
    this.call.off('drain', this.flush);
  }

  private readonly flush = (): void => {
    while (this.backlog.length > 0 && !this.call.writableNeedDrain && this.state !== 'ended') {
      this.subscriber.next(this.backlog.shift() as ChatResponse);
    }
    while (
      this.presence.size > 0 &&
      this.backlog.length === 0 &&
      !this.call.writableNeedDrain &&
      this.state !== 'ended'
    ) {
      this.subscriber.next(this.takePresence());
    }
    if (this.state === 'finishing' && this.waiting === 0) {
      this.state = 'ended';
      this.subscriber.complete();
    }
  };

  /** What presence waits: one change as a `presence` event, several as one `presence_changes`. */
  private takePresence(): ChatResponse {
    const changes: Presence[] = [];
    for (const [user, presence] of this.presence) {
      if (changes.length === MAX_PRESENCE_CHANGES) break;
      this.presence.delete(user);
      changes.push(presence);
    }
    return changes.length === 1
      ? { event: { $case: 'presence', value: changes[0] as Presence } }
      : { event: { $case: 'presenceChanges', value: { changes } } };
  }
}
