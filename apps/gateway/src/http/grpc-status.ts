import { status } from '@grpc/grpc-js';

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

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** The HTTP status of a gRPC status; `overrides` lets a route say more (an upload too large is 413). */
export function httpStatusOf(code: status, overrides: Partial<Record<status, number>> = {}): number {
  return overrides[code] ?? HTTP_STATUS[code] ?? 500;
}

/**
 * The JSON error body for a backend's status. A backend's own message is passed on except
 * for INTERNAL and UNKNOWN, whose details are for its logs, not for callers.
 */
export function grpcErrorBody(code: status, details: string): ErrorBody {
  const internal = code === status.INTERNAL || code === status.UNKNOWN;
  return { error: { code: status[code] ?? 'UNKNOWN', message: internal ? 'internal error' : details } };
}
