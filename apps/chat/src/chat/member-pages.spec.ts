import { status } from '@grpc/grpc-js';
import type { RpcException } from '@nestjs/microservices';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, memberPage, memberPageRequest } from './member-pages';

const names = Array.from({ length: 2_500 }, (_, i) => `user${String(i).padStart(4, '0')}`);
const request = (pageSize = 0, pageToken = '', room = 'lobby') =>
  memberPageRequest({ room, pageSize, pageToken });

/** The RpcException's error that `ask` throws. */
function refusal(ask: () => unknown): unknown {
  try {
    ask();
  } catch (error) {
    return (error as RpcException).getError();
  }
  throw new Error('it did not refuse');
}

describe('ListMembers pages', () => {
  it('walks every name once, in order, by next_page_token', () => {
    const seen: string[] = [];
    let token = '';
    for (let pages = 0; pages < 10; pages += 1) {
      const page = memberPage(names, request(700, token));
      expect(page.totalSize).toBe(names.length);
      seen.push(...page.members);
      token = page.nextPageToken;
      if (token === '') break;
    }
    expect(seen).toEqual(names);
  });

  it('gives the default size for 0 and the maximum for more', () => {
    expect(memberPage(names, request()).members).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(memberPage(names, request(1_000_000)).members).toHaveLength(MAX_PAGE_SIZE);
    expect(memberPage([], request())).toEqual({ members: [], nextPageToken: '', totalSize: 0 });
  });

  it('stays right while members come and go: the token is the last name seen', () => {
    const first = memberPage(names, request(2));
    expect(first.members).toEqual(['user0000', 'user0001']);
    const later = memberPage(['user0000', 'user0002', 'user0003'], request(2, first.nextPageToken));
    expect(later.members).toEqual(['user0002', 'user0003']);
    expect(later.nextPageToken).toBe('');
  });

  it.each([
    ['a negative page_size', () => request(-1), /page_size is -1/],
    ['a token that is not one', () => request(0, 'bm90IGEgdG9rZW4'), /page_token is not one/],
    [
      "another room's token",
      () => request(0, memberPage(names, request(1, '', 'other')).nextPageToken),
      /page_token is not one ListMembers gave for this room/,
    ],
    ['a bad room name', () => request(0, '', 'Not A Room'), /room "Not A Room" is not/],
  ])('refuses %s with INVALID_ARGUMENT', (_, ask, message) => {
    expect(refusal(ask)).toEqual({ code: status.INVALID_ARGUMENT, message: expect.stringMatching(message) });
  });
});
