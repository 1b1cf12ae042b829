import { status } from '@grpc/grpc-js';
import { type LoggerService, type OnModuleDestroy } from '@nestjs/common';
import { type Clock, rpcError } from '@quartet/grpc-server';
import { RpcException } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { redisClient } from '@quartet/redis';
import type { RedisClientType } from 'redis';
import { BehaviorSubject, combineLatest, distinctUntilChanged, map, type Observable } from 'rxjs';
import type { ChatConfig, RedisSettings } from '../../config';
import type { ChatStore, Membership, RoomConnection } from '../chat-store';
import type { ChatMetrics } from '../chat.metrics';
import { JOIN, LEAVE, MEMBERS, POST, RENEW } from './chat-scripts';
import { RoomFeed } from './room-feed';
import { isOutOfMemory, RoomStoreFullness } from './room-store-fullness';
import { ROOM_TTL_SECONDS, roomKeys } from './room-keys';
import { messageEvent, messageOf } from './stored-events';

/**
 * Rooms in Redis, shared by every chat replica: any member can be served by any replica. A
 * post is one script (next seq, log entry, dedup, notification), and seqs never go back,
 * also after Redis restarts and loses writes or a room expires (next_seq in chat-scripts).
 * Each replica subscribes to the rooms it has members in and delivers from there (RoomFeed). Presence is a lease
 * per connection that this replica renews every third of CHAT_PRESENCE_LEASE_MS, so a
 * replica that dies leaves its members online for at most about 4/3 of it.
 *
 * When Redis cannot be reached, every member here ends with UNAVAILABLE (they rejoin with
 * since_seq and miss nothing stored), new joins are refused with UNAVAILABLE, and health
 * says NOT_SERVING until Redis answers again. When Redis is full, posts and joins are
 * RESOURCE_EXHAUSTED "the room store is full" and health says NOT_SERVING until it has room
 * (RoomStoreFullness); members stay.
 */
export class RedisChatStore implements ChatStore, OnModuleDestroy {
  private readonly client: RedisClientType;
  private readonly subscriber: RedisClientType;
  private readonly feeds = new Map<string, RoomFeed>();
  private readonly ready = new BehaviorSubject(false);
  private readonly fullness: RoomStoreFullness;
  readonly available: Observable<boolean>;
  private readonly renewal: NodeJS.Timeout;
  /** Leaves Redis did not take while it was away, sent once it is back: the users then go offline at once, not when their leases run out. */
  private readonly unsentLeaves = new Map<string, () => Promise<unknown>>();

  constructor(
    private readonly config: Omit<ChatConfig, 'server' | 'redis'>,
    private readonly redis: RedisSettings,
    private readonly now: Clock,
    private readonly metrics: ChatMetrics,
    private readonly logger: LoggerService,
  ) {
    metrics.roomsOpen = () => this.feeds.size;
    this.client = redisClient(redis.url, { caFile: redis.caFile });
    this.subscriber = this.client.duplicate();
    this.fullness = new RoomStoreFullness(this.client, logger);
    this.available = combineLatest([this.ready, this.fullness.full]).pipe(
      map(([ready, full]) => ready && !full),
      distinctUntilChanged(),
    );
    for (const [role, client] of [
      ['commands', this.client],
      ['subscriptions', this.subscriber],
    ] as const) {
      client.on('ready', () => this.checkReady());
      client.on('error', (error: Error) => this.lost(role, error));
      void client.connect().catch(() => undefined);
    }
    this.renewal = setInterval(() => void this.renewLeases(), Math.floor(redis.presenceLeaseMs / 3));
    this.renewal.unref();
  }

  async join(member: RoomConnection, room: string, sinceSeq: bigint): Promise<Membership> {
    if (!this.ready.value) throw unreachable();
    const feed = this.feedFor(room);
    const keys = roomKeys(room);
    const connection = randomUUID();
    feed.joining += 1;
    try {
      await feed.admit(connection, member, sinceSeq, () => this.register(room, member.user, connection));
    } catch (error) {
      this.leave(feed, member.user, connection);
      throw asRpcError(this.fullness.seen(error));
    } finally {
      feed.joining -= 1;
      this.closeIfIdle(feed);
    }
    let left = false;
    return {
      post: async (text, clientId) => {
        const reply = (await POST.run(
          this.client,
          [keys.counter, keys.log, keys.dedup, keys.acks],
          [
            member.user,
            text,
            String(this.now().getTime()),
            clientId,
            String(this.config.historySize),
            String(this.config.dedupWindow),
            String(ROOM_TTL_SECONDS),
            keys.channel,
          ],
        ).catch((error: unknown) => Promise.reject(asRpcError(this.fullness.seen(error))))) as [
          number,
          string,
        ];
        // A new message reaches its sender through the room's channel like everyone's; a resend is answered here.
        if (reply[0] === 0) {
          member.deliver(messageEvent(messageOf(room, reply[1])));
          return { stored: false, fanOut: 1 };
        }
        return { stored: true, fanOut: feed.members.size };
      },
      leave: () => {
        if (left) return;
        left = true;
        this.leave(feed, member.user, connection);
      },
    };
  }

  async members(room: string): Promise<readonly string[]> {
    if (!this.ready.value) throw unreachable();
    const keys = roomKeys(room);
    return (await MEMBERS.run(this.client, [keys.members], [keys.channel]).catch((error: unknown) =>
      Promise.reject(asRpcError(this.fullness.seen(error))),
    )) as string[];
  }

  /** Adds the connection to the room's members; who is online then, or RESOURCE_EXHAUSTED when the room is full. */
  private async register(room: string, user: string, connection: string): Promise<string[]> {
    const keys = roomKeys(room);
    const [admitted, users] = (await JOIN.run(
      this.client,
      [keys.members, keys.counter, keys.log],
      [
        user,
        connection,
        String(this.redis.presenceLeaseMs),
        String(this.config.maxMembers),
        keys.channel,
        String(ROOM_TTL_SECONDS),
      ],
    )) as [number, string[]?];
    if (admitted === 0) {
      this.metrics.refusals.roomFull += 1;
      throw rpcError(status.RESOURCE_EXHAUSTED, `room ${room} is full: ${this.config.maxMembers} members`);
    }
    return users ?? [];
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.renewal);
    this.fullness.stop();
    for (const feed of this.feeds.values()) feed.close();
    this.feeds.clear();
    await Promise.allSettled([this.client.close(), this.subscriber.close()]);
  }

  private feedFor(room: string): RoomFeed {
    const existing = this.feeds.get(room);
    if (existing) return existing;
    if (this.feeds.size >= this.config.maxRooms) {
      this.metrics.refusals.roomsInUse += 1;
      throw rpcError(status.RESOURCE_EXHAUSTED, `all ${this.config.maxRooms} rooms are in use`);
    }
    const feed = new RoomFeed(
      room,
      roomKeys(room),
      this.client,
      this.subscriber,
      (error) => this.lost('subscriptions', error),
      this.config.presenceListMax,
    );
    this.feeds.set(room, feed);
    return feed;
  }

  private leave(feed: RoomFeed, user: string, connection: string): void {
    feed.members.delete(connection);
    this.closeIfIdle(feed);
    const keys = roomKeys(feed.room);
    const send = () => LEAVE.run(this.client, [keys.members], [user, connection, keys.channel]);
    send().catch(() => {
      // Past the limit the lease runs out instead: a leave is then late by a lease at most.
      if (this.unsentLeaves.size < this.config.maxConnections) this.unsentLeaves.set(connection, send);
    });
  }

  private closeIfIdle(feed: RoomFeed): void {
    if (!feed.isIdle || this.feeds.get(feed.room) !== feed) return;
    this.feeds.delete(feed.room);
    feed.close();
  }

  /** Renews the leases of this replica's connections, room by room; a lease already gone ends its member. */
  private async renewLeases(): Promise<void> {
    if (!this.ready.value) return;
    await Promise.all(
      [...this.feeds.values()].map(async (feed) => {
        if (feed.members.size === 0) return;
        const keys = roomKeys(feed.room);
        const entries = new Map(
          [...feed.members].map(([connection, member]) => [`${member.user}\u0000${connection}`, member]),
        );
        try {
          const lost = (await RENEW.run(
            this.client,
            [keys.members],
            [String(this.redis.presenceLeaseMs), keys.channel, String(ROOM_TTL_SECONDS), ...entries.keys()],
          )) as string[];
          for (const entry of lost) {
            entries
              .get(entry)
              ?.fail(rpcError(status.UNAVAILABLE, 'your presence in the room lapsed; rejoin with since_seq'));
          }
        } catch (error) {
          // A full Redis is no lost one: the members stay, their leases renewed once it has room.
          if (isOutOfMemory(error)) this.fullness.seen(error);
          else this.lost('commands', error);
        }
      }),
    );
  }

  private checkReady(): void {
    if (!this.client.isReady || !this.subscriber.isReady || this.ready.value) return;
    // No room is followed while Redis was away: drop what the subscriber restored on reconnecting.
    const stale = this.feeds.size === 0 ? this.subscriber.unsubscribe() : Promise.resolve();
    const leaves = [...this.unsentLeaves.values()];
    this.unsentLeaves.clear();
    Promise.all([stale, ...leaves.map((send) => send())]).then(
      () => {
        if (!this.client.isReady || !this.subscriber.isReady || this.ready.value) return;
        this.logger.log({ event: 'chat-store', state: 'available', store: 'redis' });
        this.ready.next(true);
      },
      (error: unknown) => this.lost('subscriptions', error),
    );
  }

  /** Redis went away (or a step failed): every member here ends, to rejoin once it is back. */
  private lost(role: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    const wasReady = this.ready.value;
    this.ready.next(false);
    if (wasReady) {
      this.logger.warn({ event: 'chat-store', state: 'unavailable', store: 'redis', role, reason });
    }
    const feeds = [...this.feeds.values()];
    this.feeds.clear();
    for (const feed of feeds) {
      feed.close();
      for (const member of [...feed.members.values()]) member.fail(unreachable());
    }
    // A client that is still connected (only the other one failed) is ready again at once.
    setImmediate(() => this.checkReady());
  }
}

function unreachable(): RpcException {
  return rpcError(
    status.UNAVAILABLE,
    'the chat store cannot be reached; rejoin with since_seq once the service is serving again',
  );
}

/** A refusal passes as it is; anything else from Redis means it cannot serve now. */
function asRpcError(error: unknown): unknown {
  return error instanceof RpcException ? error : unreachable();
}
