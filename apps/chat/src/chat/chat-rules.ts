import type { Join, Post } from '@quartet/proto';

const ROOM = /^[a-z0-9_-]{1,32}$/;
const USER = /^[A-Za-z0-9_.-]{1,32}$/;
export const MAX_TEXT_LENGTH = 1000;
const MAX_CLIENT_ID_LENGTH = 64;

/** Why a join cannot be accepted, or undefined when it can. */
export function joinProblem({ room, user }: Join): string | undefined {
  if (!ROOM.test(room)) return `room ${show(room)} is not 1 to 32 characters of a-z, 0-9, "-" and "_"`;
  if (!USER.test(user))
    return `user ${show(user)} is not 1 to 32 characters of A-Z, a-z, 0-9, "-", "_" and "."`;
  return undefined;
}

/** Why a post cannot be accepted, or undefined when it can. Length counts characters. */
export function postProblem({ text, clientId }: Post): string | undefined {
  if (text.trim() === '') return 'text must not be blank';
  const length = [...text].length;
  if (length > MAX_TEXT_LENGTH)
    return `text is ${length} characters long; at most ${MAX_TEXT_LENGTH} are allowed`;
  if (clientId.length > MAX_CLIENT_ID_LENGTH) return `client_id is over ${MAX_CLIENT_ID_LENGTH} characters`;
  return undefined;
}

function show(value: string): string {
  return JSON.stringify(value.slice(0, 40));
}

/**
 * Whether a member who last saw `sinceSeq` misses messages the room no longer has: older
 * ones were trimmed (the first kept one comes after the next it wanted), or the room's
 * history was reset (it never reached `sinceSeq`: Redis lost it, or the room expired).
 */
export function historyLost(sinceSeq: bigint, lastSeq: bigint, firstKeptSeq: bigint): boolean {
  if (sinceSeq > lastSeq) return true;
  return lastSeq > sinceSeq && firstKeptSeq > sinceSeq + 1n;
}
