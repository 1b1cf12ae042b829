import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { ChatResponse } from '@quartet/proto';
import { type ChatConfig, chatMemoryBudget } from '../config';
import type { RoomMember } from './chat-store';
import { ChatMetrics } from './chat.metrics';
import { MemoryChatStore } from './memory-chat-store';
import { MAX_TEXT_LENGTH } from './chat-rules';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** A member that never reads: it keeps every event handed to it, up to the backlog limit. */
const stalledMember = (user: string, maxBacklog: number): RoomMember & { held: ChatResponse[] } => {
  const held: ChatResponse[] = [];
  return { user, held, deliver: (event) => held.length < maxBacklog && held.push(event) };
};

/**
 * The largest post there is, and a distinct one each time: every character outside
 * Latin-1, so V8 keeps it flat at two bytes a character and shares nothing between posts.
 */
let posted = 0;
const largestText = () => {
  posted += 1;
  return String.fromCharCode(
    ...Array.from({ length: MAX_TEXT_LENGTH }, (_, i) => 0x4e00 + ((posted * 7 + i) % 4096)),
  );
};

describe('the chat memory budget', () => {
  const limits: Omit<ChatConfig, 'server'> = {
    maxRooms: 40,
    maxMembers: 5,
    maxConnections: 200,
    historySize: 20,
    dedupWindow: 30,
    maxBacklog: 40,
    postsPerSecond: 1_000,
    presenceListMax: 100,
  };

  /** Every room full of members that never read, and every history, dedup window and backlog full. */
  const fillEverything = () => {
    const sut = new MemoryChatStore({ ...limits }, () => new Date());
    const members: ReturnType<typeof stalledMember>[] = [];
    for (let r = 0; r < limits.maxRooms; r += 1) {
      const room = sut.admit(`room-${r}`);
      for (let m = 0; m < limits.maxMembers; m += 1) {
        const member = stalledMember(`user-${m}-${'u'.repeat(24)}`, limits.maxBacklog);
        members.push(member);
        room.join(member, 0n);
      }
      // Enough distinct posts that the backlogs (the oldest) and the dedup window (the latest) do not overlap.
      const posts = limits.dedupWindow + limits.maxBacklog;
      for (let p = 0; p < posts; p += 1) {
        const sender = members[members.length - 1 - (p % limits.maxMembers)];
        room.post(sender, largestText(), `c-${p}`.padEnd(64, 'x'));
      }
    }
    return { sut, members };
  };

  /**
   * What the state holds, as what the heap gives back once it is dropped. The test runs
   * synchronously, so nothing else allocates meanwhile; but a Jest worker that ran other
   * specs first may free their leftovers in the same collection, which only adds. The
   * least of three rounds is the state's own.
   */
  const measureFilledState = (): number => {
    const rounds: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      let state: ReturnType<typeof fillEverything> | undefined = fillEverything();
      const filled = heapAfterGc();
      expect(state.members.every((member) => member.held.length === limits.maxBacklog)).toBe(true);
      state = undefined;
      rounds.push(filled - heapAfterGc());
    }
    return Math.min(...rounds);
  };

  it('holds with every room, member, history, dedup window and backlog full of the largest messages', () => {
    const used = measureFilledState();
    const budget = chatMemoryBudget(limits);
    expect(used).toBeLessThan(budget);
    // The budget is not a loose guess either: the state really fills a good part of it.
    expect(used).toBeGreaterThan(budget / 4);
  });

  it('refuses a member past a full room with RESOURCE_EXHAUSTED, naming the room', () => {
    const sut = new MemoryChatStore({ ...limits, maxMembers: 1 }, () => new Date());
    sut.admit('lobby').join(stalledMember('ann', 1), 0n);
    expect(() => sut.admit('lobby')).toThrow(
      expect.objectContaining({ error: { code: 8, message: 'room lobby is full: 1 members' } }),
    );
    expect(() => sut.admit('other')).not.toThrow();
  });

  it('counts a full room and a lack of free room slots as different refusals', () => {
    const metrics = new ChatMetrics();
    const sut = new MemoryChatStore({ ...limits, maxRooms: 1, maxMembers: 1 }, () => new Date(), metrics);
    sut.admit('lobby').join(stalledMember('ann', 1), 0n);
    expect(() => sut.admit('lobby')).toThrow(
      expect.objectContaining({ error: { code: 8, message: 'room lobby is full: 1 members' } }),
    );
    expect(() => sut.admit('other')).toThrow(
      expect.objectContaining({ error: { code: 8, message: 'all 1 rooms are in use' } }),
    );
    expect(metrics.refusals).toEqual({ roomFull: 1, roomsInUse: 1, connections: 0 });
  });
});
