import type {} from '@fastify/otel';
import type { Span } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';

/** The request's span, when tracing is on (@fastify/otel decorates the request then). */
export function requestSpan(request: FastifyRequest): Span | undefined {
  return (request as Partial<Pick<FastifyRequest, 'opentelemetry'>>).opentelemetry?.().span ?? undefined;
}
