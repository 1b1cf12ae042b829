import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface StartProcessOptions<T> {
  /** What error messages call it. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Its whole environment, PATH added: nothing of this process's leaks in unless passed. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Called with each line of its stdout until it returns a value: the process is ready then, with it. */
  readonly ready: (line: string) => T | undefined;
  /** Each line of its stdout, before and after it is ready. Without it, what follows readiness is drained unread. */
  readonly onLine?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

export interface StartedProcess<T> {
  readonly child: ChildProcess;
  /** What `ready` returned. */
  readonly value: T;
  /** Resolves with its exit code once it has exited. */
  readonly exited: Promise<number | null>;
  /** Sends `signal`, SIGKILL after `killAfterMs`; resolves with the exit code. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | null>;
}

// Whatever is still running when this process exits goes with it: a failed run leaves nothing behind.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Spawns a process and resolves once it is ready, as `ready` reads its stdout; rejects, with
 * the end of its stderr (or, if none, its stdout), if it exits first or takes longer than `startTimeoutMs` (then it is killed).
 */
export function startProcess<T>(options: StartProcessOptions<T>): Promise<StartedProcess<T>> {
  const { name, startTimeoutMs = 20_000 } = options;
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const stop = (signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 20_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    return exited.finally(() => clearTimeout(killer));
  };

  return new Promise((resolve, reject) => {
    // Some programs (redis-server) say why they stopped on stdout.
    let stdout = '';
    const fail = (why: string) =>
      reject(new Error(`${name} ${why}: ${stderr.trim() || stdout.trim() || 'it wrote nothing'}`));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`was not ready within ${startTimeoutMs} ms`);
    }, startTimeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(`could not run (${error.message})`);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(`exited with ${code} before it was ready`);
    });
    if (!child.stdout) throw new Error('spawned without a stdout pipe');
    const lines = createInterface({ input: child.stdout });
    let ready = false;
    lines.on('line', (line) => {
      options.onLine?.(line);
      if (ready) return;
      stdout = `${stdout}${line}\n`.slice(-4_000);
      const value = options.ready(line);
      if (value === undefined) return;
      ready = true;
      clearTimeout(timer);
      if (!options.onLine) {
        // Parsing what it writes from now on (an access log, say) would cost CPU for nothing,
        // and a full pipe would hold the process back.
        lines.close();
        child.stdout?.resume();
      }
      resolve({ child, value, exited, stop });
    });
  });
}
