import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP relay between a client and a server that can go silent, as a peer behind a dead link does. */
export interface SilentRelay {
  /** `127.0.0.1:<port>`: dial this instead of the target. */
  readonly address: string;
  /** From now on nothing passes either way, and nothing is closed: both ends see only silence. */
  silence(): void;
  /** Closes every connection and the relay. */
  close(): Promise<void>;
}

/**
 * Relays every connection to `target` until `silence()`: then it stops reading both sockets
 * and drops what they already gave it, so that no byte (an HTTP/2 PING or its ACK included)
 * reaches the other side while the TCP connections stay open, as when a peer freezes or a
 * link dies without a FIN or a RST. Only each side's keepalive can notice.
 */
export async function startSilentRelay(target: string): Promise<SilentRelay> {
  const at = target.lastIndexOf(':');
  const [host, port] = [target.slice(0, at), Number(target.slice(at + 1))];
  const sockets = new Set<Socket>();
  let silent = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const pass = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => {
      if (!silent) to.write(chunk);
    });
  const server = createServer((client) => {
    const upstream = createConnection({ host, port });
    track(client);
    track(upstream);
    pass(client, upstream);
    pass(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    address: `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    silence: () => {
      silent = true;
      for (const socket of sockets) socket.pause();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
