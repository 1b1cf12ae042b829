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
 * What callers are told when the gateway's own client ended the call, no backend having
 * answered: grpc-js's text names addresses and timings, which are for operators.
 */
const CLIENT_SIDE_MESSAGES: Partial<Record<status, string>> = {
  [status.UNAVAILABLE]: 'the service is unavailable; try again shortly',
  [status.DEADLINE_EXCEEDED]: 'the service did not answer within the deadline',
  [status.CANCELLED]: 'the call was cancelled',
};

/**
 * The JSON error body for a call's status. `servedBy` is the replica that answered, if one
 * did: its message is passed on, except for INTERNAL and UNKNOWN, whose details are for
 * its logs. A status from the gateway's own client gets a plain message instead.
 */
export function grpcErrorBody(code: status, details: string, servedBy: string | undefined): ErrorBody {
  const internal = code === status.INTERNAL || code === status.UNKNOWN;
  const message = internal
    ? 'internal error'
    : ((servedBy === undefined ? CLIENT_SIDE_MESSAGES[code] : undefined) ?? details);
  return { error: { code: status[code] ?? 'UNKNOWN', message } };
}
