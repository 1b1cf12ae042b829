import type { Client, ClientReadableStream, Metadata } from '@grpc/grpc-js';
import { callUnary } from '../http/grpc-call';

/** The bytes as they are: the transcoder encodes and decodes with the contract's descriptors itself. */
const asIs = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * A unary call on the gateway's channel to a backend (`client`), by method path
 * (`/helloworld.Greeter/SayHello`), with the request already encoded: grpc-js passes the bytes
 * through, so the message is decoded once, by the backend. Resolves with the encoded response
 * and the replica that answered; rejects with a GrpcCallError, as the typed calls do.
 */
export function callRawUnary(
  client: Client,
  path: string,
  request: Uint8Array,
  metadata: Metadata,
  deadlineMs: number,
): Promise<{ response: Buffer; servedBy: string | undefined }> {
  return callUnary<Uint8Array, Buffer>(
    (argument, callMetadata, options, callback) =>
      client.makeUnaryRequest(path, asIs, asIs, argument, callMetadata, options, callback),
    request,
    metadata,
    deadlineMs,
  );
}

/**
 * A server-streaming call on the gateway's channel, the request already encoded; each message
 * arrives as its encoded bytes, for relayStream to decode with the descriptors.
 */
export function callRawServerStream(
  client: Client,
  path: string,
  request: Uint8Array,
  metadata: Metadata,
  deadlineMs: number,
): ClientReadableStream<Buffer> {
  return client.makeServerStreamRequest(path, asIs, asIs, request, metadata, {
    deadline: Date.now() + deadlineMs,
  });
}
