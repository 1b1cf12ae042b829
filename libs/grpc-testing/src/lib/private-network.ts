import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A network namespace with only loopback, and an /etc/hosts of the test's own, that processes
 * can be started in (needs root). Inside it the whole 127.0.0.0/8 is private: replicas can
 * each take an address of their own on the same port, as pods do, and a name can resolve to
 * all of them, as a headless Service's does; nothing inside can reach or disturb the host.
 */
export interface PrivateNetwork {
  /** Rewrites the namespace's /etc/hosts: each name resolves to the addresses given. */
  setHosts(names: Record<string, readonly string[]>): void;
  /** The command and arguments that run `command args` inside the namespace, from `/`: give absolute paths. */
  wrap(command: string, args: readonly string[]): [string, string[]];
  close(): Promise<void>;
}

export async function startPrivateNetwork(
  names: Record<string, readonly string[]> = {},
): Promise<PrivateNetwork> {
  const dir = mkdtempSync(join(tmpdir(), 'quartet-netns-'));
  const hostsFile = join(dir, 'hosts');
  // Rewritten in place (same inode), so the bind mount inside the namespace sees each change.
  const setHosts = (entries: Record<string, readonly string[]>) =>
    writeFileSync(
      hostsFile,
      [
        '127.0.0.1 localhost',
        ...Object.entries(entries).flatMap(([name, addresses]) =>
          addresses.map((address) => `${address} ${name}`),
        ),
        '',
      ].join('\n'),
    );
  setHosts(names);
  const holder: ChildProcess = spawn(
    'unshare',
    [
      '--net',
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      'ip link set lo up && mount --bind "$0" /etc/hosts && echo ready && exec sleep 3600',
      hostsFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  holder.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no private network within 5 s: ${stderr}`)), 5_000);
    void exited.then(() => reject(new Error(`could not make a private network (root needed): ${stderr}`)));
    if (!holder.stdout) return reject(new Error('spawned without a stdout pipe'));
    createInterface({ input: holder.stdout }).once('line', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const pid = String(holder.pid);
  return {
    setHosts,
    wrap: (command, args) => ['nsenter', ['--target', pid, '--net', '--mount', '--', command, ...args]],
    async close() {
      holder.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
