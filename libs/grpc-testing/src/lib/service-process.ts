import { workspaceRoot } from '@nx/devkit';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { listeningEvent } from '@quartet/processes';
import type { PrivateNetwork } from './private-network';

/** A built service app running as its own process, as `node dist/apps/<app>/main.js`. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** `host:port` from the app's `listening` log event. */
  readonly address: string;
  /** The `listening` event itself: `instance`, `transport`, `tracing`, `metricsAddress`, … */
  readonly listening: Readonly<Record<string, unknown>>;
  /** Every JSON log entry the process wrote so far. */
  readonly logs: readonly Record<string, unknown>[];
  /** Resolves with the process's exit code once it has exited. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` and resolves with the exit code (SIGKILL after `killAfterMs`). */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | null>;
}

export interface SpawnOptions {
  readonly env?: Record<string, string>;
  /** Runs the app inside this shared private network (see startPrivateNetwork). */
  readonly network?: PrivateNetwork;
  /** How long the app may take to log that it listens. */
  readonly startTimeoutMs?: number;
  /** Runs this bundle, e.g. one assembled as its container image holds it, instead of the build's. */
  readonly main?: string;
  readonly cwd?: string;
  /**
   * The V8 heap the app gets, as in a container: V8 sizes its heap, and its young generation with
   * it, from the memory it sees, so on a large test host a process keeps far more garbage than in
   * its container. Set it where a test measures the process's memory.
   */
  readonly heapMb?: number;
}

/** The built bundle of an app; the app's test target depends on its build. */
export function builtApp(app: string): string {
  const main = join(workspaceRoot, 'dist', 'apps', app, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx nx build ${app}\` first`);
  return main;
}

/** Starts a built app and resolves once it logs that it is listening. */
export function spawnService(app: string, options: SpawnOptions = {}): Promise<ServiceProcess> {
  const main = options.main ?? builtApp(app);
  const [command, args] = options.network
    ? options.network.wrap(process.execPath, [main])
    : [process.execPath, [main]];
  const child = spawn(command, args as string[], {
    cwd: options.cwd,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_FORMAT: 'json',
      ...(options.heapMb ? { NODE_OPTIONS: `--max-old-space-size=${options.heapMb}` } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const { stdout } = child;
  if (!stdout) throw new Error('spawned without a stdout pipe');
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not start within ${options.startTimeoutMs ?? 15_000} ms: ${stderr}`));
    }, options.startTimeoutMs ?? 15_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with ${code} before listening: ${stderr}`));
    });
    createInterface({ input: stdout }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      const message = listeningEvent(line);
      if (!message) return;
      clearTimeout(timer);
      resolve({
        child,
        address: message.address,
        listening: message,
        logs,
        exited,
        stop: (signal = 'SIGTERM', killAfterMs = 20_000) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
          return exited.finally(() => clearTimeout(killer));
        },
      });
    });
  });
}
