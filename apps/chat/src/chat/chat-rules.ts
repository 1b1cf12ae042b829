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
 * Whether a member who last saw `sinceSeq` misses messages the room no longer has. `follows`
 * is the seq that the first kept message after `sinceSeq` continues from (its seq - 1, or
 * for the first of an epoch the last seq before it), or `lastSeq` when none is kept. Lost
 * are older ones that were trimmed (it continues from after `sinceSeq`), and a history
 * that was reset: Redis lost what the member saw, or the room expired (the room never
 * reached `sinceSeq`, or its new epoch continues from below it).
 */
export function historyLost(sinceSeq: bigint, lastSeq: bigint, follows: bigint): boolean {
  if (sinceSeq > lastSeq) return true;
  return lastSeq > sinceSeq && follows !== sinceSeq;
}
