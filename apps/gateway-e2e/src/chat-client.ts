import { eventually } from '@quartet/grpc-testing';
import WebSocket from 'ws';

export type Frame = Record<string, unknown> & { type: string };

/** A test member of a chat room over the gateway's WebSocket, keeping every frame it got. */
export class ChatClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  servedBy: string | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on(
      'upgrade',
      (response) => (this.servedBy = response.headers['x-served-by'] as string | undefined),
    );
    socket.on('message', (data) => this.frames.push(JSON.parse(String(data)) as Frame));
    socket.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  /** Opens `url`, with `headers` on the handshake (`authorization`, `origin`, `cookie`). */
  static open(url: string, headers: Record<string, string> = {}): Promise<ChatClient> {
    const client = new ChatClient(new WebSocket(url, { headers }));
    return new Promise((resolve, reject) => {
      client.socket.once('open', () => resolve(client));
      client.socket.once('error', reject);
    });
  }

  /** Opens a handshake that must be refused; resolves with the HTTP status, headers and body. */
  static refused(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; servedBy: unknown; body: unknown }> {
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => reject(new Error('the handshake was accepted')));
      socket.once('error', () => undefined);
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            servedBy: response.headers['x-served-by'],
            body: JSON.parse(body),
          }),
        );
      });
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for a frame matching `predicate` and returns it. */
  async next(
    predicate: (frame: Frame) => boolean,
    what = 'a matching frame',
    timeoutMs = 5_000,
  ): Promise<Frame> {
    let found: Frame | undefined;
    await eventually(() => (found = this.frames.find(predicate)) !== undefined, { what, timeoutMs });
    return found as Frame;
  }

  async closedWith(): Promise<{ code: number; reason: string }> {
    await eventually(() => this.closed !== undefined, { what: 'the socket to close' });
    return this.closed as { code: number; reason: string };
  }

  /** Closes politely, or drops the connection when this client has stopped reading. */
  close(): void {
    if (this.socket.isPaused) this.socket.terminate();
    else this.socket.close();
  }
}
