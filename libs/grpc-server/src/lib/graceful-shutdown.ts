import { type Server, status } from '@grpc/grpc-js';
import type { LoggerService } from '@nestjs/common';
import type { HealthStatus } from './health';
import type { OpenCalls } from './open-calls';

const HEALTH_WATCH = '/grpc.health.v1.Health/Watch';

/**
 * Stops a server without failing the calls it is running: health turns NOT_SERVING, new
 * calls are refused (GOAWAY, so clients go to another replica), running calls get
 * `graceMs` to finish, and those still open then end with UNAVAILABLE so that their
 * clients know to retry, and their handlers are cancelled.
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
    const timer = setTimeout(() => {
      const cut = calls.endAll(status.UNAVAILABLE, 'the server is shutting down; retry elsewhere');
      logger.warn({ event: 'shutdown', phase: 'grace-expired', cancelledCalls: cut });
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  logger.log({ event: 'shutdown', phase: 'stopped' });
}
