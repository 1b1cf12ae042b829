/** A chat message as the gateway sends it. */
export interface ChatLine {
  readonly seq: number;
  readonly user: string;
  readonly text: string;
  readonly time?: string;
  readonly clientId?: string;
}

/**
 * The messages of a room as this page knows them: in seq order, each once, however often
 * a reconnect replays them, and at most `limit` of the latest.
 */
export class ChatLog {
  private readonly lines: ChatLine[] = [];

  constructor(private readonly limit = 200) {}

  /** The highest seq seen: where a reconnect asks the room to resume (`since`). */
  get lastSeq(): number {
    return this.lines.at(-1)?.seq ?? 0;
  }

  get all(): readonly ChatLine[] {
    return this.lines;
  }

  /** Adds a message; false when it was already here (a replay) or older than what is kept. */
  add(line: ChatLine): boolean {
    const oldest = this.lines[0]?.seq ?? 0;
    if (this.lines.length >= this.limit && line.seq < oldest) return false;
    let at = this.lines.length;
    while (at > 0 && this.lines[at - 1].seq > line.seq) at -= 1;
    if (at > 0 && this.lines[at - 1].seq === line.seq) return false;
    this.lines.splice(at, 0, line);
    if (this.lines.length > this.limit) this.lines.shift();
    return true;
  }

  clear(): void {
    this.lines.length = 0;
  }
}
