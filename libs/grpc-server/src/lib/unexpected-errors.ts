import type { LoggerService } from '@nestjs/common';

/**
 * Keeps a server process serving when an error escapes every call's own handling: one
 * bad request must not take the process, and everyone else's calls, down with it. The
 * error is logged with its stack and counted; a process exits only on a signal or when
 * it cannot start.
 */
export function surviveUnexpectedErrors(logger: LoggerService, counted: () => void): () => void {
  const onError = (kind: string) => (error: unknown) => {
    counted();
    // The log itself is gone (stdout closed): writing this would only fail again.
    if ((error as NodeJS.ErrnoException)?.code === 'EPIPE') return;
    logger.error({
      event: kind,
      error: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
  };
  const onException = onError('uncaught-exception');
  const onRejection = onError('unhandled-rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
