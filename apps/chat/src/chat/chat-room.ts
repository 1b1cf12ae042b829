import { type ChatMessage, type ChatResponse, type Joined, sentToMany } from '@quartet/proto';
import { RoomPresence } from './room-presence';
import type { Clock } from '@quartet/grpc-server';
import { historyLost } from './chat-rules';
import type { PostOutcome, RoomMember } from './chat-store';

let activity = 0;
const nextActivity = () => (activity += 1);

export interface RoomLimits {
  /** How many of the latest messages are kept for replay. */
  readonly historySize: number;
  /** How many client_ids are remembered to store a resent post once. */
  readonly dedupWindow: number;
  /** Above how many users presence goes out as a count (CHAT_PRESENCE_LIST_MAX). */
  readonly presenceListMax: number;
}

/**
 * One room: numbers every message with the next seq, keeps the latest ones, and delivers
 * each event to every member in the same order. Everything here is synchronous, so a
 * join's replay and its first live message can have no gap and no duplicate between them.
 */
export class ChatRoom {
  private lastSeq = 0n;
  private readonly history: ChatMessage[] = [];
  private readonly members = new Set<RoomMember>();
  /** Connections per user: presence changes with the first and the last. */
  private readonly connections = new Map<string, number>();
  private readonly posted = new Map<string, ChatMessage>();
  readonly presence: RoomPresence;
  /** When the room last changed, as an order among rooms: for forgetting the idlest first. */
  lastActive = nextActivity();

  constructor(
    readonly name: string,
    private readonly limits: RoomLimits,
    private readonly now: Clock,
  ) {
    this.presence = new RoomPresence(name, limits.presenceListMax, (event) => this.broadcast(event));
  }

  get isEmpty(): boolean {
    return this.members.size === 0;
  }

  get size(): number {
    return this.members.size;
  }

  /** How many client_ids the room remembers now. */
  get dedupEntries(): number {
    return this.posted.size;
  }

  /** Sends `joined`, then the kept messages after `sinceSeq`, then makes `member` live. */
  join(member: RoomMember, sinceSeq: bigint): void {
    const count = (this.connections.get(member.user) ?? 0) + 1;
    this.connections.set(member.user, count);
    // Before the member is in: the others hear of it, and its joined counts it.
    if (count === 1) this.presence.change({ room: this.name, user: member.user, online: true });
    const replay = this.history.filter((message) => message.seq > sinceSeq);
    const joined: Joined = {
      room: this.name,
      user: member.user,
      members: this.presence.listed,
      memberCount: this.presence.count,
      lastSeq: this.lastSeq,
      historyTrimmed: historyLost(sinceSeq, this.lastSeq, (replay[0]?.seq ?? this.lastSeq + 1n) - 1n),
    };
    member.deliver({ event: { $case: 'joined', value: joined } });
    for (const message of replay) member.deliver({ event: { $case: 'message', value: message } });
    this.members.add(member);
    this.touch();
  }

  /**
   * Stores and delivers a post. A post with a client_id this user already used is not
   * stored again: its sender alone gets the stored message once more, as an acknowledgement.
   */
  post(member: RoomMember, text: string, clientId: string): PostOutcome {
    const key = clientId === '' ? undefined : `${member.user}\u0000${clientId}`;
    const earlier = key === undefined ? undefined : this.posted.get(key);
    if (earlier) {
      member.deliver({ event: { $case: 'message', value: earlier } });
      return { stored: false, fanOut: 1 };
    }
    const message: ChatMessage = {
      room: this.name,
      seq: this.lastSeq + 1n,
      user: member.user,
      text,
      time: this.now(),
      clientId,
    };
    this.lastSeq = message.seq;
    this.remember(message, key);
    const fanOut = this.members.size;
    this.broadcast({ event: { $case: 'message', value: message } });
    this.touch();
    return { stored: true, fanOut };
  }

  /**
   * Takes a member out and tells the others when its user's last connection went. An empty
   * room forgets its client_ids: no sender is left to resend, and a thousand idle rooms
   * must not each hold a dedup window.
   */
  leave(member: RoomMember): void {
    if (!this.members.delete(member)) return;
    const count = (this.connections.get(member.user) ?? 1) - 1;
    if (count > 0) {
      this.connections.set(member.user, count);
    } else {
      this.connections.delete(member.user);
      this.presence.change({ room: this.name, user: member.user, online: false });
    }
    // After the last change: a count it scheduled has no one left to reach.
    if (this.members.size === 0) {
      this.posted.clear();
      this.presence.close();
    }
    this.touch();
  }

  private broadcast(event: ChatResponse): void {
    sentToMany(event);
    // A member cut off while delivering leaves during the loop; iterate over a copy.
    for (const member of [...this.members]) member.deliver(event);
  }

  private remember(message: ChatMessage, key: string | undefined): void {
    this.history.push(message);
    if (this.history.length > this.limits.historySize) this.history.shift();
    if (key === undefined) return;
    this.posted.set(key, message);
    if (this.posted.size > this.limits.dedupWindow) {
      const oldest = this.posted.keys().next().value;
      if (oldest !== undefined) this.posted.delete(oldest);
    }
  }

  private touch(): void {
    // Not the clock: leaving runs in teardown, which must not fail.
    this.lastActive = nextActivity();
  }
}
