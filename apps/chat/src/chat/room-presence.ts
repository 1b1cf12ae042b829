import { type ChatResponse, type Presence, sentToMany } from '@quartet/proto';

/** How long changes to a large room gather before its members hear the count: at most 4 updates a second. */
export const MEMBER_COUNT_EVERY_MS = 250;

/**
 * Who is online in one room, and how its members hear of it. Up to `listMax` users, every
 * change goes out as it happens (`presence`), so each member can keep the list. Above it,
 * a join storm would cost N² events (every member learns every other), so changes gather
 * for MEMBER_COUNT_EVERY_MS and go out as one `members` event with the count; once the room
 * is back at `listMax`, that event carries the names, and changes go out one by one again.
 */
export class RoomPresence {
  private readonly online = new Set<string>();
  private sorted: string[] | undefined;
  /** Set while changes go out as counts: the room is large, or was until the pending update. */
  private counting = false;
  private pending: NodeJS.Timeout | undefined;

  constructor(
    readonly room: string,
    private readonly listMax: number,
    /** Hands an event to the room's members; `cause` is the connection whose change it is, when it is one. */
    private readonly send: (event: ChatResponse, cause?: string) => void,
  ) {}

  get count(): number {
    return this.online.size;
  }

  /** The names a joining member gets: all of them in a small room, none in a large one. */
  get listed(): string[] {
    return this.counting || this.online.size > this.listMax ? [] : this.names();
  }

  /** Everyone online, sorted; kept between changes, for ListMembers' pages. */
  names(): string[] {
    this.sorted ??= [...this.online].sort();
    return this.sorted;
  }

  /** Takes who is online as a whole (a store's snapshot), telling no one. */
  reset(users: Iterable<string>): void {
    this.online.clear();
    for (const user of users) this.online.add(user);
    this.sorted = undefined;
  }

  change(presence: Presence, cause?: string): void {
    if (presence.online) this.online.add(presence.user);
    else this.online.delete(presence.user);
    this.sorted = undefined;
    if (!this.counting && this.online.size <= this.listMax) {
      this.send(sentToMany({ event: { $case: 'presence', value: presence } }), cause);
      return;
    }
    this.counting = true;
    this.pending ??= setTimeout(this.update, MEMBER_COUNT_EVERY_MS);
  }

  /** Stops the pending update: the room is gone. */
  close(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
  }

  private readonly update = (): void => {
    this.pending = undefined;
    this.counting = this.online.size > this.listMax;
    const members = this.counting ? [] : this.names();
    this.send(
      sentToMany({ event: { $case: 'members', value: { room: this.room, count: this.count, members } } }),
    );
  };
}
