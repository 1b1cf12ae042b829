import type { FastifyReply } from 'fastify';

/** Answers a request the pipeline refuses, with the gateway's one error shape: `{"error": {"code", "message"}}`. */
export function refuse(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply.status(status).headers(headers).send({ error: { code, message } });
}
