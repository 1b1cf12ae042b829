import { Metadata, ServerInterceptingCall, type ServerInterceptor, status } from '@grpc/grpc-js';
import type { LimitName, ServerMetrics } from './server-metrics';

export interface CallLimitSettings {
  readonly maxMetadataBytes: number;
  readonly callIdleMs: number;
  readonly maxCallMs: number;
}

/** HPACK's accounting (RFC 7541 §4.1): a header costs its name, its value and 32 bytes. */
export function metadataBytes(metadata: Metadata): number {
  let total = 0;
  for (const [key, value] of Object.entries(metadata.toHttp2Headers())) {
    for (const one of Array.isArray(value) ? value : [value]) total += key.length + String(one).length + 32;
  }
  return total;
}

/**
 * The limits of one call, as a grpc-js server interceptor, so that every handler is
 * protected without knowing it: request metadata over its size is refused before the
 * handler runs; a call whose first whole message does not arrive in time (a client that
 * sends part of one and stalls, or nothing) ends; and no call outlives `maxCallMs`,
 * whatever deadline its client chose. Each refusal is a status the client can read.
 */
export function callLimitsInterceptor(limits: CallLimitSettings, metrics: ServerMetrics): ServerInterceptor {
  return (_method, next) => {
    let ended = false;
    const timers: NodeJS.Timeout[] = [];
    const stopTimers = () => timers.forEach(clearTimeout);
    const refuse = (limit: LimitName, code: status, details: string) => {
      if (ended) return;
      metrics.refused(limit);
      call.sendStatus({ code, details, metadata: new Metadata() });
    };
    const call: ServerInterceptingCall = new ServerInterceptingCall(next, {
      start: (startNext) => {
        const firstMessage = setTimeout(
          () =>
            refuse(
              'call_idle',
              status.DEADLINE_EXCEEDED,
              `no whole request message arrived within ${limits.callIdleMs} ms`,
            ),
          limits.callIdleMs,
        );
        timers.push(
          firstMessage,
          setTimeout(
            () =>
              refuse('max_call', status.DEADLINE_EXCEEDED, `a call may run at most ${limits.maxCallMs} ms`),
            limits.maxCallMs,
          ),
        );
        startNext({
          onReceiveMetadata: (metadata, metadataNext) => {
            const size = metadataBytes(metadata);
            if (size > limits.maxMetadataBytes) {
              refuse(
                'metadata_size',
                status.RESOURCE_EXHAUSTED,
                `the request metadata is ${size} bytes; the limit is ${limits.maxMetadataBytes}`,
              );
              return;
            }
            metadataNext(metadata);
          },
          onReceiveMessage: (message, messageNext) => {
            clearTimeout(firstMessage);
            messageNext(message);
          },
          onReceiveHalfClose: (halfCloseNext) => {
            clearTimeout(firstMessage);
            halfCloseNext();
          },
          onCancel: () => {
            ended = true;
            stopTimers();
          },
        });
      },
      sendStatus: (outcome, sendNext) => {
        ended = true;
        stopTimers();
        sendNext(outcome);
      },
    });
    return call;
  };
}
