import { workspaceRoot } from '@nx/devkit';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listeningEvent, startProcess } from '@quartet/processes';
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
  /** The entries so far whose message is the app's log event `event` ({ event, … }). */
  logged(event: string): Record<string, unknown>[];
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
export async function spawnService(app: string, options: SpawnOptions = {}): Promise<ServiceProcess> {
  const main = options.main ?? builtApp(app);
  const [command, args] = options.network
    ? options.network.wrap(process.execPath, [main])
    : [process.execPath, [main]];
  const logs: Record<string, unknown>[] = [];
  const started = await startProcess({
    name: app,
    command,
    args,
    cwd: options.cwd,
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_FORMAT: 'json',
      ...(options.heapMb ? { NODE_OPTIONS: `--max-old-space-size=${options.heapMb}` } : {}),
      ...options.env,
    },
    ready: listeningEvent,
    onLine: (line) => {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log entry: a line some library printed.
      }
    },
    startTimeoutMs: options.startTimeoutMs ?? 15_000,
  });
  return {
    child: started.child,
    address: started.value.address,
    listening: started.value,
    logs,
    logged: (event) =>
      logs.filter((entry) => (entry['message'] as { event?: string } | undefined)?.event === event),
    exited: started.exited,
    stop: started.stop,
  };
}
