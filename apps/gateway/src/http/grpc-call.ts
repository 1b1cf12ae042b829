import { type ClientUnaryCall, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { SERVED_BY_HEADER } from '@quartet/proto';

/** A backend call that ended with a gRPC status other than OK, and the replica that said so. */
export class GrpcCallError extends Error {
  constructor(
    readonly code: status,
    readonly details: string,
    readonly servedBy: string | undefined,
    /** HTTP statuses this route gives some gRPC statuses instead of the usual ones. */
    readonly httpOverrides: Partial<Record<status, number>> = {},
  ) {
    super(`${status[code]}: ${details}`);
    this.name = 'GrpcCallError';
  }

  static from(
    error: ServiceError,
    servedBy: string | undefined,
    httpOverrides?: Partial<Record<status, number>>,
  ): GrpcCallError {
    return new GrpcCallError(
      error.code,
      error.details,
      servedBy ?? servedByOf(error.metadata),
      httpOverrides,
    );
  }
}

/** The replica named in a response's headers or trailers. */
export function servedByOf(metadata: Metadata | undefined): string | undefined {
  const [value] = metadata?.get(SERVED_BY_HEADER) ?? [];
  return value === undefined ? undefined : String(value);
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, response?: Res) => void,
) => ClientUnaryCall;

/** Runs a unary call with a deadline; resolves with the response and the replica that answered. */
export function callUnary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata,
  deadlineMs: number,
): Promise<{ response: Res; servedBy: string | undefined }> {
  return new Promise((resolve, reject) => {
    let servedBy: string | undefined;
    const call = method(request, metadata, { deadline: Date.now() + deadlineMs }, (error, response) => {
      if (error) reject(GrpcCallError.from(error, servedBy));
      else resolve({ response: response as Res, servedBy });
    });
    call.on('metadata', (headers: Metadata) => (servedBy = servedByOf(headers)));
  });
}
