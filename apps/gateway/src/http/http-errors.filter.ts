import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SERVED_BY_HEADER } from '@quartet/proto';
import { GrpcCallError } from './grpc-call';
import { grpcErrorBody, httpStatusOf } from './grpc-status';

/**
 * Every error as JSON, `{"error": {"code", "message"}}`: a backend's gRPC status as its
 * HTTP status (grpc-status.ts) with the backend's message, a bad request as 4xx, anything else as a 500
 * whose details stay in the log.
 */
@Catch()
export class HttpErrorsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    sendError(host.switchToHttp().getResponse<FastifyReply>(), exception);
  }
}

const logger = new Logger(HttpErrorsFilter.name);

/** Answers `exception` as the JSON error it maps to; the routes that do not go through Nest use it too. */
export function sendError(reply: FastifyReply, exception: unknown): void {
  if (exception instanceof GrpcCallError) {
    if (exception.servedBy) void reply.header(SERVED_BY_HEADER, exception.servedBy);
    void reply
      .status(httpStatusOf(exception.code, exception.httpOverrides))
      .send(grpcErrorBody(exception.code, exception.details, exception.servedBy));
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
  logger.error({
    event: 'unexpected-error',
    error: exception instanceof Error ? exception.stack : String(exception),
  });
  void reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
}

function codeFor(httpStatus: number): string {
  return (
    (
      {
        400: 'BAD_REQUEST',
        401: 'UNAUTHENTICATED',
        403: 'PERMISSION_DENIED',
        404: 'NOT_FOUND',
        405: 'METHOD_NOT_ALLOWED',
        408: 'REQUEST_TIMEOUT',
        413: 'PAYLOAD_TOO_LARGE',
        415: 'UNSUPPORTED_MEDIA_TYPE',
        429: 'RESOURCE_EXHAUSTED',
        503: 'UNAVAILABLE',
      } as Record<number, string>
    )[httpStatus] ?? `HTTP_${httpStatus}`
  );
}
