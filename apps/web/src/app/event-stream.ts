/** One Server-Sent Event: its type (`message` unless named) and its data. */
export interface StreamEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Parses a text/event-stream as it arrives, in pieces cut anywhere: `push` takes the next
 * piece and returns the events it completed. `id:` and `retry:` are kept as an EventSource
 * keeps them, for a stream that breaks off to resume where it was.
 */
export class EventStreamParser {
  /** The id of the last event the stream completed: what a reconnect sends as `Last-Event-ID`. */
  lastEventId: string | undefined;
  /**
   * An `id:` line's value, taken as the stream's last id only at the blank line that ends its
   * event (as EventSource does): a stream cut after `id: 23` but before the end of event 23
   * must resume at 23, not skip it.
   */
  private pendingId: string | undefined;
  /** How long the stream asked a client to wait before it reconnects. */
  retryMs: number | undefined;
  private buffer = '';
  private event = 'message';
  private data: string[] = [];

  push(text: string): StreamEvent[] {
    this.buffer += text;
    const events: StreamEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for the next piece.
      if (width === 1 && this.buffer[newline] === '\r' && newline === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(newline + width);
      if (line === '') {
        this.lastEventId = this.pendingId;
        if (this.data.length > 0) events.push({ event: this.event, data: this.data.join('\n') });
        this.event = 'message';
        this.data = [];
        continue;
      }
      const colon = line.indexOf(':');
      if (colon === 0) continue;
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id' && !value.includes('\0')) this.pendingId = value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    return events;
  }
}
