import type { FastifyInstance } from 'fastify';
import { policyOf } from '../edge/route-policy';
import { refuse } from '../edge/refuse';
import type { ClientStreams } from './client-streams';

/**
 * On routes that declare `stream`: one of the client's stream slots, held until the response
 * (or the upgraded socket) closes; past the client's or the gateway's limit, 429.
 */
export function holdStreamSlots(fastify: FastifyInstance, streams: ClientStreams): void {
  fastify.addHook('preHandler', async (request, reply) => {
    if (!policyOf(request).stream) return;
    const refusal = await streams.open(request.client.address, reply.raw);
    if (refusal) return refuse(reply, 429, 'RESOURCE_EXHAUSTED', refusal.message);
  });
}
