import type { FastifyInstance } from 'fastify';
import type { GatewayDrain } from './gateway-drain';

/**
 * Counts every HTTP request for the drain, and answers those that arrive on a kept-alive connection
 * once the gateway has stopped taking new work: 503 and `Connection: close`, so the client
 * retries on another replica.
 */
export function trackForDrain(fastify: FastifyInstance, drain: GatewayDrain): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (drain.state === 'refusing') {
      return reply
        .status(503)
        .header('connection', 'close')
        .header('retry-after', '1')
        .send({ error: { code: 'UNAVAILABLE', message: 'the gateway is shutting down; try again' } });
    }
    // A WebSocket is ended by the chat socket server's closeAll, not waited for: its socket
    // closes once the client answers the close frame, which a vanished client never does.
    if (!request.ws) drain.track(reply.raw);
  });
}
