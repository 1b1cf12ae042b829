import type { ChatResponse } from '@quartet/proto';
import { MEMBER_COUNT_EVERY_MS, RoomPresence } from './room-presence';

describe(RoomPresence.name, () => {
  let sent: { event: ChatResponse['event']; cause?: string }[];
  let sut: RoomPresence;
  const online = (user: string, cause?: string) => sut.change({ room: 'r', user, online: true }, cause);
  const offline = (user: string) => sut.change({ room: 'r', user, online: false });

  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    sut = new RoomPresence('r', 3, (response, cause) => sent.push({ event: response.event, cause }));
  });

  afterEach(() => {
    sut.close();
    jest.useRealTimers();
  });

  it('tells each change as it happens up to the list limit, with the connection that made it', () => {
    online('ann', 'c1');
    online('bob', 'c2');
    offline('ann');
    expect(sent).toEqual([
      { event: { $case: 'presence', value: { room: 'r', user: 'ann', online: true } }, cause: 'c1' },
      { event: { $case: 'presence', value: { room: 'r', user: 'bob', online: true } }, cause: 'c2' },
      { event: { $case: 'presence', value: { room: 'r', user: 'ann', online: false } }, cause: undefined },
    ]);
    expect(sut.listed).toEqual(['bob']);
  });

  it('above the limit, gathers a storm of changes into one count per interval, and lists no names', () => {
    for (const user of ['a', 'b', 'c']) online(user);
    sent = [];
    for (let i = 0; i < 500; i += 1) online(`u${i}`);
    expect(sent).toEqual([]);
    expect(sut.listed).toEqual([]);
    expect(sut.count).toBe(503);
    jest.advanceTimersByTime(MEMBER_COUNT_EVERY_MS);
    expect(sent).toEqual([{ event: { $case: 'members', value: { room: 'r', count: 503, members: [] } } }]);
    jest.advanceTimersByTime(10 * MEMBER_COUNT_EVERY_MS);
    expect(sent).toHaveLength(1);
  });

  it('back at the limit, sends the names once, then each change again', () => {
    for (const user of ['a', 'b', 'c', 'd']) online(user);
    jest.advanceTimersByTime(MEMBER_COUNT_EVERY_MS);
    offline('d');
    // Until the update, the change is only counted: a member must not apply it to a list it lacks.
    expect(sent.map((s) => s.event?.$case)).toEqual(['presence', 'presence', 'presence', 'members']);
    jest.advanceTimersByTime(MEMBER_COUNT_EVERY_MS);
    expect(sent.at(-1)?.event).toEqual({
      $case: 'members',
      value: { room: 'r', count: 3, members: ['a', 'b', 'c'] },
    });
    offline('a');
    expect(sent.at(-1)?.event).toEqual({ $case: 'presence', value: { room: 'r', user: 'a', online: false } });
  });

  it('keeps the sorted names between changes, and takes a snapshot without telling anyone', () => {
    sut.reset(['cyd', 'ann', 'bob']);
    const names = sut.names();
    expect(names).toEqual(['ann', 'bob', 'cyd']);
    expect(sut.names()).toBe(names);
    online('abe');
    expect(sut.names()).toEqual(['abe', 'ann', 'bob', 'cyd']);
    expect(sent.map((s) => s.event?.$case)).toEqual([]);
  });
});
