import type { FastifyReply } from 'fastify';

/**
 * Answers a request the pipeline refuses, with the gateway's one error shape: `{"error": {"code", "message"}}`.
 * The rest of a refused body (an upload's) is not worth reading: the connection closes after the answer.
 */
export function refuse(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): FastifyReply {
  const { headers: sent, complete } = reply.request.raw;
  const bodyLeft = Number(sent['content-length'] ?? 0) > 0 || sent['transfer-encoding'] !== undefined;
  if (bodyLeft && !complete) void reply.header('connection', 'close');
  return reply.status(status).headers(headers).send({ error: { code, message } });
}
