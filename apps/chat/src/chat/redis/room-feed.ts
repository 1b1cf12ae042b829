import { type ChatMessage, type ChatResponse, sentToMany } from '@quartet/proto';
import { RoomPresence } from '../room-presence';
import type { RedisClientType } from 'redis';
import type { RoomConnection } from '../chat-store';
import { historyLost } from '../chat-rules';
import type { RoomKeys } from './room-keys';
import { messageEvent, messageOf, roomEventOf, type RoomEvent } from './stored-events';

/**
 * One room as seen by this replica: subscribed to the room's channel while the replica has
 * members there, it delivers each stored message to them once and in seq order. Everything
 * it does runs as one queue of steps, one at a time, so that a join's replay (a range read up
 * to the last seq delivered) and the live messages after it have no gap and no duplicate. A
 * notification that skips seqs (one was missed) is preceded by a range read of the gap.
 */
export class RoomFeed {
  /** Connections here by their id in the room's member set. */
  readonly members = new Map<string, RoomConnection>();
  /** Joins in flight: the feed stays while they run. */
  joining = 0;
  private lastSeq = 0n;
  private steps: Promise<unknown>;
  private closed = false;
  private readonly presence: RoomPresence;

  constructor(
    readonly room: string,
    private readonly keys: RoomKeys,
    private readonly client: RedisClientType,
    private readonly subscriber: RedisClientType,
    /** Called when a step fails: the store treats it as Redis failing. */
    private readonly onFault: (error: unknown) => void,
    presenceListMax: number,
  ) {
    // A presence change is not told to the connection that made it (its joined told it).
    this.presence = new RoomPresence(room, presenceListMax, (event, cause) => {
      for (const [connection, member] of [...this.members]) {
        if (connection !== cause) member.deliver(event);
      }
    });
    this.steps = this.start();
  }

  get isIdle(): boolean {
    return this.members.size === 0 && this.joining === 0;
  }

  /**
   * Registers `member` with `register` (which answers who is online), then delivers `joined`,
   * the kept messages after `sinceSeq`, and makes it live, all in the feed's order: every
   * presence change and message notified after the registration reaches the member after its
   * replay, and none before. Rejects if `register` refuses or Redis fails meanwhile.
   */
  admit(
    connection: string,
    member: RoomConnection,
    sinceSeq: bigint,
    register: () => Promise<string[]>,
  ): Promise<void> {
    return this.enqueue(async () => {
      this.presence.reset(await register());
      const replay = this.lastSeq > sinceSeq ? await this.range(sinceSeq + 1n, this.lastSeq) : [];
      member.deliver({
        event: {
          $case: 'joined',
          value: {
            room: this.room,
            user: member.user,
            members: this.presence.listed,
            memberCount: this.presence.count,
            lastSeq: this.lastSeq,
            historyTrimmed: historyLost(sinceSeq, this.lastSeq, replay[0]?.follows ?? this.lastSeq),
          },
        },
      });
      for (const { message } of replay) member.deliver(messageEvent(message));
      if (!this.closed) this.members.set(connection, member);
    });
  }

  /** Stops listening; the store calls it once the feed is idle, or when Redis is lost. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.presence.close();
    // While Redis is unreachable this fails; the listener then ignores what still comes.
    this.subscriber.unsubscribe(this.keys.channel, this.listener).catch(() => undefined);
  }

  private async start(): Promise<void> {
    await this.subscriber.subscribe(this.keys.channel, this.listener);
    // Read after subscribing: anything stored later is also notified, and skipped if already counted here.
    this.lastSeq = BigInt((await this.client.hGet(this.keys.counter, 'seq')) ?? '0');
  }

  private readonly listener = (payload: string): void => {
    if (this.closed) return;
    const event = roomEventOf(this.room, payload);
    this.enqueue(() => this.apply(event)).catch(this.onFault);
  };

  private async apply(event: RoomEvent): Promise<void> {
    if (event.kind === 'presence') return this.presence.change(event.presence, event.connection);
    const { seq } = event.message;
    if (seq <= this.lastSeq) return;
    const missed = seq > this.lastSeq + 1n ? await this.range(this.lastSeq + 1n, seq - 1n) : [];
    for (const message of [...missed.map((kept) => kept.message), event.message]) {
      this.broadcast(messageEvent(message));
    }
    this.lastSeq = seq;
  }

  private broadcast(event: ChatResponse): void {
    sentToMany(event);
    // A member cut off while delivering leaves during the loop; iterate over a copy.
    for (const member of [...this.members.values()]) member.deliver(event);
  }

  /** The kept messages from `from` to `to`, each with the seq it continues from (see RoomKeys.log). */
  private async range(from: bigint, to: bigint): Promise<{ message: ChatMessage; follows: bigint }[]> {
    const entries = await this.client.xRange(this.keys.log, `${from}-0`, `${to}-0`);
    return (entries ?? []).map((entry) => {
      const message = messageOf(this.room, String(entry.message['m']));
      const after = entry.message['after'];
      return { message, follows: after === undefined ? message.seq - 1n : BigInt(String(after)) };
    });
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.steps.then(step);
    // A failed step fails its caller; the steps after it still run.
    this.steps = next.catch(() => undefined);
    return next;
  }
}
