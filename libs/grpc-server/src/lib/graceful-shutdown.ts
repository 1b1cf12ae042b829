import { type Server, status } from '@grpc/grpc-js';
import type { LoggerService } from '@nestjs/common';
import type { HealthStatus } from './health';
import type { OpenCalls } from './open-calls';

const HEALTH_WATCH = '/grpc.health.v1.Health/Watch';
/** How long ended calls get to flush their status before connections are reset. */
const FLUSH_MS = 1_000;

/**
 * Stops a server without failing the calls it is running: health turns NOT_SERVING, new
 * calls are refused (GOAWAY, so clients go to another replica), running calls get
 * `graceMs` to finish, and those still open then end with UNAVAILABLE so that their
 * clients know to retry, and their handlers are cancelled; connections still open a
 * second later are reset.
 */
export async function gracefulShutdown(
  server: Server,
  health: HealthStatus,
  calls: OpenCalls,
  graceMs: number,
  logger: LoggerService,
): Promise<void> {
  health.setAll('NOT_SERVING');
  // A health watch never ends by itself: end it once it has seen NOT_SERVING.
  calls.endAll(status.UNAVAILABLE, 'the server is shutting down', (path) => path === HEALTH_WATCH);
  logger.log({ event: 'shutdown', phase: 'draining', openCalls: calls.size, graceMs });
  await new Promise<void>((resolve) => {
    let forced: NodeJS.Timeout | undefined;
    const graceOver = setTimeout(() => {
      const cut = calls.endAll(status.UNAVAILABLE, 'the server is shutting down; retry elsewhere');
      logger.warn({ event: 'shutdown', phase: 'grace-expired', endedCalls: cut });
      // Ending the calls lets their connections close with the status on the wire;
      // forcing at once would reset them first and the clients would see CANCELLED.
      forced = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, FLUSH_MS);
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(graceOver);
      clearTimeout(forced);
      resolve();
    });
  });
  logger.log({ event: 'shutdown', phase: 'stopped' });
}
