import type { ChatResponse } from '@quartet/proto';
import type { Observable } from 'rxjs';

/** Someone in a room: receives every event of the room, in order. */
export interface RoomMember {
  readonly user: string;
  deliver(event: ChatResponse): void;
}

/** A member's call, which a store that loses its backing can end. */
export interface RoomConnection extends RoomMember {
  /** Ends the call with `error`: the store can no longer serve it. */
  fail(error: Error): void;
}

/** What a post did, for its trace. */
export interface PostOutcome {
  /** False for a resend of a client_id already stored: only its sender got it again. */
  readonly stored: boolean;
  /** The members on this replica it is delivered to (with Redis, other replicas deliver it too). */
  readonly fanOut: number;
}

/** A member's place in a room, from its join until it leaves. */
export interface Membership {
  /**
   * Stores a post and delivers it to the room. A post with a client_id this user already
   * used is not stored again: its sender alone gets the stored message once more.
   */
  post(text: string, clientId: string): Promise<PostOutcome>;
  /** Takes the member out; the room sees it go offline with its user's last connection. Never throws. */
  leave(): void;
}

/**
 * Where rooms live: the messages, their seqs, the dedup window and who is online. A join
 * delivers `joined`, then the kept messages after `sinceSeq`, then makes the member live,
 * with no gap and no duplicate between replay and live. Refusals are RpcExceptions
 * (RESOURCE_EXHAUSTED for a limit, UNAVAILABLE when the store cannot be reached).
 */
export interface ChatStore {
  join(member: RoomConnection, room: string, sinceSeq: bigint): Promise<Membership>;
  /** The users online in `room`, sorted by name; none for a room nobody is in. */
  members(room: string): Promise<readonly string[]>;
  /** Whether the store can serve now; health follows it. */
  readonly available: Observable<boolean>;
}

export const CHAT_STORE = Symbol('ChatStore');
