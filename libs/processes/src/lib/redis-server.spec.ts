import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from './redis-server';

function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer to PING within 5 s')));
    socket.once('data', (answer) => {
      socket.end();
      resolve(answer.toString().trim());
    });
    socket.once('error', reject);
  });
}

describe(startRedisServer.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'quartet-redis-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a redis-server that answers on a free loopback port, and stops it', async () => {
    const lines: string[] = [];
    const redis = await startRedisServer({ dir, onLine: (line) => lines.push(line) });
    try {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await ping(redis.port)).toBe('+PONG');
    } finally {
      await redis.stop();
    }
    expect(redis.child.exitCode ?? redis.child.signalCode).not.toBeNull();
    // SIGTERM lets it log its shutdown, which the launcher's onLine is given.
    expect(lines.join('\n')).toMatch(/shutdown|exit|bye/i);
  });

  it("fails with redis-server's reason when the port it is given is taken", async () => {
    const taken: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
    );
    try {
      await expect(startRedisServer({ dir, port })).rejects.toThrow(
        new RegExp(`exited with 1 before it was ready: [\\s\\S]*127\\.0\\.0\\.1:${port}`),
      );
    } finally {
      taken.close();
    }
  });

  it('names the package that brings redis-server when there is none to run', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = dir;
    try {
      await expect(startRedisServer({ dir, port: 1 })).rejects.toThrow(
        'tools/scripts/system-deps.sh installs redis-server',
      );
    } finally {
      process.env['PATH'] = path;
    }
  });
});
