import { status } from '@grpc/grpc-js';
import { rpcError } from '@quartet/grpc-server';
import type { ListMembersRequest, ListMembersResponse } from '@quartet/proto';
import { joinProblem } from './chat-rules';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1_000;

/** What a page asks for, checked: the room, how many names, and the name to start after. */
export interface MemberPageRequest {
  readonly room: string;
  readonly size: number;
  readonly after: string | undefined;
}

/**
 * A ListMembers request checked (AIP-158): page_size 0 is the default and above the
 * maximum is the maximum; a page token is the last name of the page before, so a page
 * stays right while members come and go between pages. Bad input is INVALID_ARGUMENT.
 */
export function memberPageRequest({ room, pageSize, pageToken }: ListMembersRequest): MemberPageRequest {
  const problem = joinProblem({ room, user: 'x', sinceSeq: 0n });
  if (problem) throw rpcError(status.INVALID_ARGUMENT, problem);
  if (pageSize < 0)
    throw rpcError(status.INVALID_ARGUMENT, `page_size is ${pageSize}; give 0 to ${MAX_PAGE_SIZE}`);
  const size = pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
  if (pageToken === '') return { room, size, after: undefined };
  const after = Buffer.from(pageToken, 'base64url').toString('utf8');
  const token = `${room}\u0000`;
  if (!after.startsWith(token) || joinProblem({ room, user: after.slice(token.length), sinceSeq: 0n })) {
    throw rpcError(status.INVALID_ARGUMENT, 'page_token is not one ListMembers gave for this room');
  }
  return { room, size, after: after.slice(token.length) };
}

/** One page of `names` (sorted, no repeats). */
export function memberPage(
  names: readonly string[],
  { room, size, after }: MemberPageRequest,
): ListMembersResponse {
  const start = after === undefined ? 0 : firstAfter(names, after);
  const members = names.slice(start, start + size);
  const last = members.at(-1);
  const more = start + size < names.length && last !== undefined;
  return {
    members,
    nextPageToken: more ? Buffer.from(`${room}\u0000${last}`).toString('base64url') : '',
    totalSize: names.length,
  };
}

/** The index of the first name above `after`, by binary search. */
function firstAfter(names: readonly string[], after: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((names[middle] as string) <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}
