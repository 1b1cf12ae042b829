import { parseTarget } from '@quartet/grpc-client';
import { EnvReader, type Environment, readServerConfig } from '@quartet/grpc-server';
import { type Backend, BACKEND_LIST, BACKENDS, targetVariable } from './backends/backend-list';

export type { Backend } from './backends/backend-list';

export interface GatewayConfig {
  /** HOST and PORT of the HTTP server. */
  readonly host: string;
  readonly port: number;
  /** GREETER_TARGET, TICKER_TARGET, UPLOAD_TARGET, CHAT_TARGET, ...: grpc-js targets of the backends. */
  readonly targets: Readonly<Record<Backend, string>>;
  /** DEADLINE_MS: the deadline of every unary call to a backend. */
  readonly deadlineMs: number;
  /** STREAM_DEADLINE_MS: the deadline of every streaming call (a ticker, an upload, a chat session). */
  readonly streamDeadlineMs: number;
  /** WEB_ROOT: the built web page (`nx build web`), served at `/`. */
  readonly webRoot: string;
  readonly logFormat: 'json' | 'text';
}

export const GATEWAY_CONFIG = Symbol('GatewayConfig');
export const GATEWAY_DEFAULT_PORT = 3000;

/**
 * The gateway's settings from its environment; throws a ConfigError naming every bad variable.
 * `defaultWebRoot` is where the build put the page: `dist/apps/web`, beside the gateway's bundle.
 */
export function loadConfig(env: Environment, defaultWebRoot = 'dist/apps/web'): GatewayConfig {
  const reader = new EnvReader(env);
  const { host, port, logFormat } = readServerConfig(reader, GATEWAY_DEFAULT_PORT);
  const targets = {} as Record<Backend, string>;
  for (const backend of BACKENDS) {
    const variable = targetVariable(backend);
    const { defaultTarget } = BACKEND_LIST[backend];
    const parsed = parseTarget(variable, reader.string(variable, defaultTarget));
    if ('error' in parsed) reader.problem(parsed.error);
    targets[backend] = 'target' in parsed ? parsed.target : defaultTarget;
  }
  const deadlineMs = reader.integer('DEADLINE_MS', 5_000, 1, 300_000);
  const streamDeadlineMs = reader.integer('STREAM_DEADLINE_MS', 3_600_000, 1, 86_400_000);
  const webRoot = reader.string('WEB_ROOT', defaultWebRoot);
  reader.done();
  return { host, port, targets, deadlineMs, streamDeadlineMs, webRoot, logFormat };
}
