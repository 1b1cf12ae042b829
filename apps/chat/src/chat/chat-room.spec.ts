import type { ChatMessage, ChatResponse } from '@quartet/proto';
import { ChatRoom } from './chat-room';
import type { RoomMember } from './chat-store';

const time = new Date('2026-11-23T12:00:00Z');

function member(user: string) {
  const events: ChatResponse[] = [];
  const sut: RoomMember & { events: ChatResponse[] } = {
    user,
    events,
    deliver: (event) => events.push(event),
  };
  return sut;
}
/** Members by these names, each joined to `room` from the start of its history, in this order. */
function joinedTo(room: ChatRoom, ...users: string[]) {
  return users.map((user) => {
    const joiner = member(user);
    room.join(joiner, 0n);
    return joiner;
  });
}
const messages = (m: { events: ChatResponse[] }): ChatMessage[] =>
  m.events.flatMap((e) => (e.event?.$case === 'message' ? [e.event.value] : []));
const kinds = (m: { events: ChatResponse[] }) => m.events.map((e) => e.event?.$case);

describe(ChatRoom.name, () => {
  let sut: ChatRoom;

  beforeEach(() => {
    sut = new ChatRoom('lobby', { historySize: 3, dedupWindow: 2, presenceListMax: 100 }, () => time);
  });

  it('confirms a join with the members and the last seq, and tells the others', () => {
    const [ann, bob] = joinedTo(sut, 'ann', 'bob');
    expect(bob.events[0]).toEqual({
      event: {
        $case: 'joined',
        value: {
          room: 'lobby',
          user: 'bob',
          members: ['ann', 'bob'],
          memberCount: 2,
          lastSeq: 0n,
          historyTrimmed: false,
        },
      },
    });
    expect(ann.events[1]).toEqual({
      event: { $case: 'presence', value: { room: 'lobby', user: 'bob', online: true } },
    });
    expect(kinds(bob)).toEqual(['joined']);
  });

  it('numbers messages from 1 and delivers each to every member, the sender included, in order', () => {
    const [ann, bob] = joinedTo(sut, 'ann', 'bob');
    sut.post(ann, 'one', '');
    sut.post(bob, 'two', '');
    sut.post(ann, 'three', '');
    const expected = [
      { seq: 1n, user: 'ann', text: 'one' },
      { seq: 2n, user: 'bob', text: 'two' },
      { seq: 3n, user: 'ann', text: 'three' },
    ].map((m) => ({ room: 'lobby', time, clientId: '', ...m }));
    expect(messages(ann)).toEqual(expected);
    expect(messages(bob)).toEqual(expected);
  });

  it('replays the kept messages after since_seq before going live, with no gap and no duplicate', () => {
    const [ann] = joinedTo(sut, 'ann');
    for (const text of ['1', '2', '3', '4']) sut.post(ann, text, '');
    const bob = member('bob');
    sut.join(bob, 2n);
    sut.post(ann, '5', '');
    expect(kinds(bob)).toEqual(['joined', 'message', 'message', 'message']);
    expect(messages(bob).map((m) => m.seq)).toEqual([3n, 4n, 5n]);
  });

  it('keeps only its latest messages', () => {
    const [ann] = joinedTo(sut, 'ann');
    for (const text of ['1', '2', '3', '4', '5']) sut.post(ann, text, '');
    const late = member('late');
    sut.join(late, 0n);
    expect(messages(late).map((m) => m.seq)).toEqual([3n, 4n, 5n]);
  });

  it('says in joined when messages after since_seq are no longer kept, and not when none are missing', () => {
    const [ann] = joinedTo(sut, 'ann');
    for (const text of ['1', '2', '3', '4', '5']) sut.post(ann, text, '');
    const trimmed = (sinceSeq: bigint) => {
      const late = member('late');
      sut.join(late, sinceSeq);
      sut.leave(late);
      const joined = late.events[0]?.event;
      return joined?.$case === 'joined' && joined.value.historyTrimmed;
    };
    expect([0n, 1n, 2n, 3n, 5n].map(trimmed)).toEqual([true, true, false, false, false]);
  });

  it('stores a post resent with the same client_id once, acknowledging it to its sender alone', () => {
    const [ann, bob] = joinedTo(sut, 'ann', 'bob');
    sut.post(ann, 'hello', 'c-1');
    sut.post(ann, 'hello', 'c-1');
    sut.post(bob, 'hello', 'c-1');
    expect(messages(bob).map((m) => [m.seq, m.user])).toEqual([
      [1n, 'ann'],
      [2n, 'bob'],
    ]);
    expect(messages(ann).map((m) => m.seq)).toEqual([1n, 1n, 2n]);
  });

  it('forgets client_ids past its window', () => {
    const [ann] = joinedTo(sut, 'ann');
    for (const id of ['a', 'b', 'c', 'a']) sut.post(ann, id, id);
    expect(messages(ann).map((m) => m.seq)).toEqual([1n, 2n, 3n, 4n]);
  });

  it('tells the others when a user leaves, once its last connection has gone', () => {
    const ann = member('ann');
    const annOtherTab = member('ann');
    const [bob] = joinedTo(sut, 'bob');
    sut.join(ann, 0n);
    sut.join(annOtherTab, 0n);
    sut.leave(ann);
    expect(kinds(bob)).toEqual(['joined', 'presence']);
    sut.leave(annOtherTab);
    expect(bob.events.at(-1)).toEqual({
      event: { $case: 'presence', value: { room: 'lobby', user: 'ann', online: false } },
    });
    expect(sut.isEmpty).toBe(false);
    sut.leave(bob);
    expect(sut.isEmpty).toBe(true);
  });

  it('leaves no count pending once the last member of a large room has gone', () => {
    jest.useFakeTimers();
    try {
      const large = new ChatRoom('hall', { historySize: 3, dedupWindow: 2, presenceListMax: 1 }, () => time);
      const members = joinedTo(large, 'ann', 'bob', 'cid');
      for (const one of members) large.leave(one);
      expect(large.isEmpty).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ignores a leave by someone not in the room', () => {
    const [bob] = joinedTo(sut, 'bob');
    sut.leave(member('ghost'));
    expect(kinds(bob)).toEqual(['joined']);
  });
});

describe('ChatRoom with a broken clock', () => {
  it('still lets members leave, since leaving runs in teardown', () => {
    let broken = false;
    const sut = new ChatRoom('r', { historySize: 1, dedupWindow: 1, presenceListMax: 100 }, () => {
      if (broken) throw new Error('clock failure');
      return time;
    });
    const [ann] = joinedTo(sut, 'ann');
    broken = true;
    expect(() => sut.post(ann, 'x', '')).toThrow('clock failure');
    expect(() => sut.leave(ann)).not.toThrow();
    expect(sut.isEmpty).toBe(true);
  });

  it('forgets its client_ids once the last member leaves, and stores a resend after that anew', () => {
    const sut = new ChatRoom('lobby', { historySize: 3, dedupWindow: 2, presenceListMax: 100 }, () => time);
    const [ann] = joinedTo(sut, 'ann');
    sut.post(ann, 'hi', 'c-1');
    expect(sut.dedupEntries).toBe(1);
    sut.leave(ann);
    expect(sut.dedupEntries).toBe(0);
    const again = member('ann');
    sut.join(again, 0n);
    sut.post(again, 'hi', 'c-1');
    expect(messages(again).map((m) => m.seq)).toEqual([1n, 2n]);
  });
});
