import type { ChatMessage, ChatResponse, Presence } from '@quartet/proto';

/** A message as the scripts store and publish it (JSON from Lua's cjson). */
interface StoredMessage {
  readonly seq: string;
  readonly user: string;
  readonly text: string;
  readonly time: number;
  readonly clientId: string;
}

export function messageOf(room: string, json: string): ChatMessage {
  const stored = JSON.parse(json) as StoredMessage;
  return {
    room,
    seq: BigInt(stored.seq),
    user: stored.user,
    text: stored.text,
    time: new Date(stored.time),
    clientId: stored.clientId,
  };
}

/** A room's notification: a new message, or a presence change with the connection that caused it. */
export type RoomEvent =
  | { readonly kind: 'message'; readonly message: ChatMessage }
  | { readonly kind: 'presence'; readonly presence: Presence; readonly connection: string };

/** Reads what the scripts PUBLISH: 'm' and a message, or 'p' and a presence change. */
export function roomEventOf(room: string, payload: string): RoomEvent {
  const body = payload.slice(1);
  if (payload.startsWith('m')) return { kind: 'message', message: messageOf(room, body) };
  const { user, online, connection } = JSON.parse(body) as {
    user: string;
    online: boolean;
    connection: string;
  };
  return { kind: 'presence', presence: { room, user, online }, connection };
}

export const messageEvent = (message: ChatMessage): ChatResponse => ({
  event: { $case: 'message', value: message },
});
