import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { sendError } from './http-errors.filter';

/**
 * Adds routes in a Fastify scope whose error handler answers what they, or the pipeline's hooks
 * (a rate refusal), throw as the JSON error: Nest's exception filter covers Nest's routes only.
 */
export async function registerWithJsonErrors(
  app: NestFastifyApplication,
  install: (scope: FastifyInstance) => void | Promise<void>,
): Promise<void> {
  await app.register(async (scope: FastifyInstance) => {
    scope.setErrorHandler((error, _request, reply) => sendError(reply, error));
    await install(scope);
  });
}
