import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signGuestToken } from '@quartet/auth';
import { containerHeapMb, type ServiceProcess, spawnService } from '@quartet/grpc-testing';

/** The services under attack and the gateway in front of them, each a built process of its own. */
export interface Stack {
  readonly greeter: ServiceProcess;
  readonly ticker: ServiceProcess;
  readonly upload: ServiceProcess;
  readonly chat: ServiceProcess;
  readonly gateway: ServiceProcess;
  /** `http://127.0.0.1:<port>` of the gateway. */
  readonly gatewayUrl: string;
  /** `http://127.0.0.1:<port>/metrics` of the gateway's own metrics listener. */
  readonly metricsUrl: string;
  /** `Bearer <token>` of a guest session each: attackers sign in too, to reach the limits behind sign-in. */
  readonly attacker: string;
  readonly honest: string;
  readonly uploadDir: string;
  stop(): Promise<void>;
}

/**
 * Time limits shortened so that the attacks that wait them out finish in seconds; every
 * limit on size and count keeps its production default, since those are what is attacked.
 */
export const SHORT_LIMITS = {
  CALL_IDLE_MS: '2000',
  // Past CALL_IDLE_MS and the tenth of it by which calls are checked: a stalled first
  // message meets the server's limit for every service, the upload's own one after it.
  UPLOAD_IDLE_MS: '3000',
  HEADERS_TIMEOUT_MS: '2000',
  BODY_RATE_WINDOW_MS: '1000',
  WS_PING_INTERVAL_MS: '1000',
} as const;

const AUTH_SECRET = 'attacks-e2e: the key the gateway signs guest sessions with';

/** Starts the four services and the gateway on ephemeral loopback ports. */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-attacks-'));
  const started: ServiceProcess[] = [];
  const spawn = async (app: string, own: Record<string, string> = {}) => {
    const process = await spawnService(app, {
      env: { ...SHORT_LIMITS, ...env, ...own, INSTANCE_ID: `${app}-1` },
      // The heap Node takes in the app's container, not one sized for this host's memory.
      heapMb: containerHeapMb(app),
    });
    started.push(process);
    return process;
  };
  try {
    const greeter = await spawn('greeter');
    const ticker = await spawn('ticker');
    const upload = await spawn('upload', { UPLOAD_DIR: uploadDir, UPLOAD_MIN_FREE_BYTES: '0' });
    const chat = await spawn('chat');
    const gateway = await spawn('gateway', {
      GREETER_TARGET: greeter.address,
      TICKER_TARGET: ticker.address,
      UPLOAD_TARGET: upload.address,
      CHAT_TARGET: chat.address,
      AUTH_SECRET,
      METRICS_PORT: '0',
      SHUTDOWN_SETTLE_MS: '0',
      // The attacks here are on other limits, each from one signed-in user, many times a second.
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    const bearer = async (user: string) =>
      `Bearer ${(await signGuestToken(new TextEncoder().encode(AUTH_SECRET), user, 3600)).token}`;
    return {
      greeter,
      ticker,
      upload,
      chat,
      gateway,
      gatewayUrl: `http://${gateway.address}`,
      metricsUrl: `http://${(gateway.listening as { metricsAddress: string }).metricsAddress}/metrics`,
      attacker: await bearer('attacker'),
      honest: await bearer('honest'),
      uploadDir,
      stop: async () => {
        await Promise.all(started.map((service) => service.stop()));
        rmSync(uploadDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(started.map((service) => service.stop('SIGKILL')));
    rmSync(uploadDir, { recursive: true, force: true });
    throw error;
  }
}
