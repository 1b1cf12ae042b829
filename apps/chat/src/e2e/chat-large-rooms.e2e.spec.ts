import { Metadata, status } from '@grpc/grpc-js';
import { deadlineIn, outcomeOf } from '@quartet/grpc-testing';
import type { ChatResponse, ListMembersRequest, ListMembersResponse } from '@quartet/proto';
import { CHAT_STORES, StoreUnderTest, testChatConfig } from './chat-stores';
import { ChatUnderTest } from './chat-under-test';
import type { ChatSession } from './chat-session';

/** Presence as a count above this many users: small, so that a few members make a large room. */
const LIST_MAX = 3;

describe.each(CHAT_STORES)('large chat rooms, %s', (kind) => {
  const store = new StoreUnderTest(kind);
  let chat: ChatUnderTest;
  let rooms = 0;
  const freshRoom = () => `large-${(rooms += 1)}`;
  const joined = (session: ChatSession) =>
    session
      .until((e) => e.event?.$case === 'joined', 'joined')
      .then((e) => e.event?.$case === 'joined' && e.event.value);
  const countOf = (session: ChatSession, count: number) =>
    session.until(
      (e) => e.event?.$case === 'members' && e.event.value.count === count,
      `a count of ${count}`,
    );
  const listMembers = (request: Partial<ListMembersRequest>) =>
    outcomeOf<ListMembersResponse>((done) =>
      chat.client.listMembers(
        { room: '', pageSize: 0, pageToken: '', ...request },
        new Metadata(),
        deadlineIn(),
        done,
      ),
    );
  const joinAll = async (room: string, users: string[]) => {
    const sessions = users.map((user) => chat.join(user, room));
    await Promise.all(sessions.map(joined));
    return sessions;
  };

  beforeAll(async () => {
    chat = await ChatUnderTest.start(await store.configure(testChatConfig({ presenceListMax: LIST_MAX })));
  });

  afterEach(() => chat.leaveAll());

  afterAll(async () => {
    await chat.stop();
    await store.stop();
  });

  it('above the list limit, joins get the count and no names, and everyone hears the count, not each join', async () => {
    const room = freshRoom();
    const [ann] = await joinAll(room, ['ann', 'bob', 'cyd']);
    const later = await joinAll(room, ['dee', 'eve', 'fay', 'gus']);
    expect(await joined(later[3] as ChatSession)).toMatchObject({ members: [], memberCount: 7 });
    await Promise.all([ann, ...later].map((session) => countOf(session as ChatSession, 7)));
    const presenceOf = (session: ChatSession, user: string) =>
      session.events.filter(
        (e: ChatResponse) =>
          (e.event?.$case === 'presence' && e.event.value.user === user) ||
          (e.event?.$case === 'presenceChanges' && e.event.value.changes.some((c) => c.user === user)),
      );
    expect(presenceOf(ann as ChatSession, 'eve')).toEqual([]);
  });

  it('back at the list limit, sends the names, then each change again', async () => {
    const room = freshRoom();
    const sessions = await joinAll(room, ['ann', 'bob', 'cyd', 'dee', 'eve']);
    const ann = sessions[0] as ChatSession;
    await countOf(ann, 5);
    for (const leaving of sessions.slice(3)) leaving.call.end();
    const names = await countOf(ann, 3);
    expect(names.event).toEqual({
      $case: 'members',
      value: { room, count: 3, members: ['ann', 'bob', 'cyd'] },
    });
    (sessions[2] as ChatSession).call.end();
    await ann.untilPresence('cyd', false);
  });

  it('pages through the names with ListMembers', async () => {
    const room = freshRoom();
    const users = ['ann', 'bob', 'cyd', 'dee', 'eve', 'fay', 'gus'];
    await joinAll(room, [...users].reverse());
    const first = await listMembers({ room, pageSize: 4 });
    expect(first.response).toMatchObject({ members: users.slice(0, 4), totalSize: 7 });
    const second = await listMembers({ room, pageSize: 4, pageToken: first.response?.nextPageToken ?? '' });
    expect(second.response).toEqual({ members: users.slice(4), nextPageToken: '', totalSize: 7 });
    expect((await listMembers({ room: 'nobody-here' })).response).toEqual({
      members: [],
      nextPageToken: '',
      totalSize: 0,
    });
  });

  it('refuses a bad ListMembers request with INVALID_ARGUMENT', async () => {
    const refused = await listMembers({ room: 'Bad Room' });
    expect(refused.status).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('room'),
    });
    const badToken = await listMembers({ room: 'lobby', pageToken: '!!' });
    expect(badToken.status).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('page_token'),
    });
  });
});
