import { connect } from 'node:net';
import { loadConfig } from '../config';
import { limitedHttpServer } from './http-limits';

describe(limitedHttpServer.name, () => {
  const limits = { ...loadConfig({}).limits, maxConnections: 2, headersTimeoutMs: 1_000 };

  it('holds headers to HEADERS_TIMEOUT_MS and leaves a whole request untimed, for long uploads', () => {
    const server = limitedHttpServer(limits)(() => undefined);
    expect(server.headersTimeout).toBe(1_000);
    expect(server.requestTimeout).toBe(0);
  });

  it('closes a connection past MAX_CONNECTIONS as it arrives', async () => {
    const server = limitedHttpServer(limits)((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const open = () => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      return new Promise<typeof socket>((resolve) => socket.once('connect', () => resolve(socket)));
    };
    const held = [await open(), await open()];
    const third = await open();
    await new Promise((resolve) => third.once('close', resolve));
    expect(third.destroyed).toBe(true);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
