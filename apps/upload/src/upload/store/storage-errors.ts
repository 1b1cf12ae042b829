import { status } from '@grpc/grpc-js';
import { rpcError } from '@quartet/grpc-server';

/** What the kernel says when a disk takes no more, in words a client can act on. */
const DISK_REFUSALS: Readonly<Record<string, string>> = {
  ENOSPC: 'the upload disk is full (ENOSPC)',
  EDQUOT: 'the upload disk quota is used up (EDQUOT)',
  EFBIG: 'the file is larger than the upload disk allows (EFBIG)',
};

/** A disk write that failed because the disk takes no more, as RESOURCE_EXHAUSTED; any other error as it is. */
export function diskRefusal(error: unknown): unknown {
  const reason = DISK_REFUSALS[(error as NodeJS.ErrnoException | undefined)?.code ?? ''];
  return reason === undefined ? error : rpcError(status.RESOURCE_EXHAUSTED, reason);
}

/**
 * A failed request to the object store, as a gRPC status: one the store answered (a refused
 * write: a full or read-only store, a missing bucket, credentials it does not take) is
 * RESOURCE_EXHAUSTED naming its reason; one it never answered is UNAVAILABLE.
 */
export function objectStoreRefusal(error: unknown): Error {
  const { name, message, $metadata } = error as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if ($metadata?.httpStatusCode !== undefined) {
    return rpcError(
      status.RESOURCE_EXHAUSTED,
      `the object store refused the write: ${name ?? 'Error'} (HTTP ${$metadata.httpStatusCode}): ${message ?? ''}`.trimEnd(),
    );
  }
  return rpcError(status.UNAVAILABLE, `the object store cannot be reached: ${message ?? String(error)}`);
}
