import type { Metadata } from '@grpc/grpc-js';

export interface CallLimitSettings {
  readonly maxMetadataBytes: number;
  readonly callIdleMs: number;
  readonly maxCallMs: number;
}

/**
 * HPACK's accounting (RFC 7541 §4.1): a header costs its name, its value and 32 bytes; a
 * binary value (`-bin` keys) goes on the wire in base64. Read from the metadata's own map
 * (toJSON), not its HTTP/2 headers, which would encode every binary value on every call.
 */
export function metadataBytes(metadata: Metadata): number {
  let total = 0;
  const entries = metadata.toJSON();
  for (const key in entries) {
    for (const value of entries[key] ?? []) {
      const length = typeof value === 'string' ? value.length : Math.ceil(value.length / 3) * 4;
      total += key.length + length + 32;
    }
  }
  return total;
}

/**
 * How often open calls are checked against CALL_IDLE_MS and MAX_CALL_MS: a tenth of the
 * shorter, between 10 ms and 250 ms. One timer for all calls, not two per call: a timer
 * per call costs every call an allocation and two timer-list operations.
 */
export function limitCheckIntervalMs(limits: CallLimitSettings): number {
  return Math.min(250, Math.max(10, Math.floor(Math.min(limits.callIdleMs, limits.maxCallMs) / 10)));
}
