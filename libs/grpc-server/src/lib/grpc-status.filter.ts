import { status } from '@grpc/grpc-js';
import { Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';

interface GrpcStatusError {
  code: status;
  message: string;
}

/**
 * Turns whatever a handler throws or emits as an error into a gRPC status. An RpcException
 * carrying `{ code, message }` passes through; anything else is INTERNAL with a generic
 * message, and its details go to the log, never to the client.
 */
@Catch()
export class GrpcStatusFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger(GrpcStatusFilter.name);

  catch(exception: unknown): Observable<never> {
    const error = exception instanceof RpcException ? exception.getError() : undefined;
    if (isGrpcStatusError(error)) return throwError(() => error);
    this.logger.error({
      event: 'unexpected-error',
      error: exception instanceof Error ? exception.message : String(exception),
      stack: exception instanceof Error ? exception.stack : undefined,
    });
    return throwError(() => ({ code: status.INTERNAL, message: 'internal error' }));
  }
}

function isGrpcStatusError(error: unknown): error is GrpcStatusError {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as Partial<GrpcStatusError>;
  return typeof code === 'number' && code in status && code !== status.OK && typeof message === 'string';
}
