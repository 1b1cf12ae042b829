import { connect, type Socket } from 'node:net';

/** Reads Server-Sent Events from a fetch response body until `stop` says so or the stream ends. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  /** The event's `id`, when it has one: what a client sends back as `Last-Event-ID` to resume. */
  readonly id?: string;
}

export async function readEvents(
  response: Response,
  stop: (events: SseEvent[]) => boolean = () => false,
): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!stop(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) =>
        block
          .split('\n')
          .find((line) => line.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      const id = field('id');
      events.push({
        event: field('event') ?? 'message',
        data: field('data') ?? '',
        ...(id === undefined ? {} : { id }),
      });
      // One read can bring many events; the caller gets those up to the first that satisfies it.
      if (stop(events)) break;
    }
  }
  await reader.cancel();
  return events;
}

/** Sends a GET over a raw socket and then reads nothing at all: a client that stalled. */
export function stalledGet(url: string, headers: Record<string, string> = {}): Promise<Socket> {
  const { hostname, port, pathname, search } = new URL(url);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n${extra}\r\n`,
      );
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
