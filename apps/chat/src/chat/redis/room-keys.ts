/**
 * Where one room lives in Redis. The braces make the room name the hash tag, so that in a
 * Redis Cluster every key of a room is in one slot and a script may touch them all.
 */
export interface RoomKeys {
  /** A hash: `seq`, the last seq handed out, and `run`, the Redis run_id that handed it out. */
  readonly counter: string;
  /**
   * The kept messages, a stream whose entry IDs are `<seq>-0`, trimmed to CHAT_HISTORY; an
   * epoch's first entry also has `after`, the seq it continues from.
   */
  readonly log: string;
  /** The remembered `user\0client_id`s scored by seq, trimmed to CHAT_DEDUP_WINDOW... */
  readonly dedup: string;
  /** ...and the message each of them stored, for the resend's acknowledgement. */
  readonly acks: string;
  /** Every connection in the room, `user\0connection`, scored by when its lease runs out. */
  readonly members: string;
  /** Where each new message and presence change is published, for the replicas with members here. */
  readonly channel: string;
}

export function roomKeys(room: string): RoomKeys {
  const base = `quartet:chat:{${room}}`;
  return {
    counter: `${base}:counter`,
    log: `${base}:log`,
    dedup: `${base}:dedup`,
    acks: `${base}:acks`,
    members: `${base}:members`,
    channel: `${base}:events`,
  };
}

/** How long a room nobody posts in or joins keeps its history and counter in Redis; then its next seq starts an epoch. */
export const ROOM_TTL_SECONDS = 7 * 24 * 60 * 60;
