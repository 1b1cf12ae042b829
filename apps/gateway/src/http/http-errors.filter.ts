import { status } from '@grpc/grpc-js';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SERVED_BY_HEADER } from '@quartet/proto';
import { GrpcCallError } from './grpc-call';

/** The HTTP status for each gRPC status a backend can answer with. */
const HTTP_STATUS: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.FAILED_PRECONDITION]: 400,
  [status.OUT_OF_RANGE]: 400,
  [status.UNAUTHENTICATED]: 401,
  [status.PERMISSION_DENIED]: 403,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.ABORTED]: 409,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.CANCELLED]: 499,
  [status.UNIMPLEMENTED]: 501,
  [status.UNAVAILABLE]: 503,
  [status.DEADLINE_EXCEEDED]: 504,
};

/**
 * Every error as JSON, `{"error": {"code", "message"}}`: a backend's gRPC status as the HTTP
 * status above with the backend's message, a bad request as 4xx, anything else as a 500
 * whose details stay in the log.
 */
@Catch()
export class HttpErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof GrpcCallError) {
      if (exception.servedBy) void reply.header(SERVED_BY_HEADER, exception.servedBy);
      const internal = exception.code === status.INTERNAL || exception.code === status.UNKNOWN;
      void reply.status(HTTP_STATUS[exception.code] ?? 500).send({
        error: { code: status[exception.code], message: internal ? 'internal error' : exception.details },
      });
      return;
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body ? body.message : exception.message;
      void reply.status(exception.getStatus()).send({
        error: {
          code: codeFor(exception.getStatus()),
          message: Array.isArray(message) ? message.join('; ') : String(message),
        },
      });
      return;
    }
    this.logger.error({
      event: 'unexpected-error',
      error: exception instanceof Error ? exception.stack : String(exception),
    });
    void reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  }
}

function codeFor(httpStatus: number): string {
  return (
    (
      { 400: 'BAD_REQUEST', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 413: 'PAYLOAD_TOO_LARGE' } as Record<
        number,
        string
      >
    )[httpStatus] ?? `HTTP_${httpStatus}`
  );
}
