import { parseTarget } from '@quartet/grpc-client';
import { EnvReader, type Environment, readServerConfig } from '@quartet/grpc-server';

export type Backend = 'greeter' | 'ticker' | 'upload' | 'chat';

export interface GatewayConfig {
  /** HOST and PORT of the HTTP server. */
  readonly host: string;
  readonly port: number;
  /** GREETER_TARGET, TICKER_TARGET, UPLOAD_TARGET, CHAT_TARGET: grpc-js targets of the backends. */
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

const DEFAULT_TARGETS: Record<Backend, string> = {
  greeter: '127.0.0.1:50051',
  ticker: '127.0.0.1:50052',
  upload: '127.0.0.1:50053',
  chat: '127.0.0.1:50054',
};

/**
 * The gateway's settings from its environment; throws a ConfigError naming every bad variable.
 * `defaultWebRoot` is where the build put the page: `dist/apps/web`, beside the gateway's bundle.
 */
export function loadConfig(env: Environment, defaultWebRoot = 'dist/apps/web'): GatewayConfig {
  const reader = new EnvReader(env);
  const { host, port, logFormat } = readServerConfig(reader, GATEWAY_DEFAULT_PORT);
  const targets = {} as Record<Backend, string>;
  for (const backend of Object.keys(DEFAULT_TARGETS) as Backend[]) {
    const variable = `${backend.toUpperCase()}_TARGET`;
    const parsed = parseTarget(variable, reader.string(variable, DEFAULT_TARGETS[backend]));
    if ('error' in parsed) reader.problem(parsed.error);
    targets[backend] = 'target' in parsed ? parsed.target : DEFAULT_TARGETS[backend];
  }
  const deadlineMs = reader.integer('DEADLINE_MS', 5_000, 1, 300_000);
  const streamDeadlineMs = reader.integer('STREAM_DEADLINE_MS', 3_600_000, 1, 86_400_000);
  const webRoot = reader.string('WEB_ROOT', defaultWebRoot);
  reader.done();
  return { host, port, targets, deadlineMs, streamDeadlineMs, webRoot, logFormat };
}
