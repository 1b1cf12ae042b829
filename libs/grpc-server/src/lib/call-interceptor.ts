import { Metadata, ServerInterceptingCall, type ServerInterceptor, status } from '@grpc/grpc-js';
import { SERVED_BY_HEADER } from '@quartet/proto';
import type { CallAuth } from './call-auth';
import { type CallLimitSettings, metadataBytes } from './call-limits';
import type { OpenCalls } from './open-calls';
import { http2StreamOf, resetAfterAnswer } from './reset-after-answer';
import type { LimitName, ServerMetrics } from './server-metrics';

export interface CallInterceptorParts {
  readonly instanceId: string;
  readonly calls: OpenCalls;
  readonly limits: CallLimitSettings;
  readonly metrics: ServerMetrics;
  readonly auth: CallAuth;
}

/**
 * What every call gets, as one grpc-js server interceptor so that every handler is covered
 * without knowing it, and as one rather than three because each layer costs every call a
 * wrapper and its closures (about a fifth of a unary call's time, measured with three):
 *
 * - it is counted in OpenCalls (which ends it at CALL_IDLE_MS without a whole first message
 *   or at MAX_CALL_MS, and at shutdown) and logged as it ends;
 * - request metadata over MAX_METADATA_BYTES is refused before anything else looks at it;
 * - its token is verified (CallAuth) before the handler sees the call, a refused one ended
 *   with the reason;
 * - every response names the replica in `x-served-by`: in its headers, and in the trailers
 *   of an error or of an answer without headers;
 * - it is counted in the go-grpc-prometheus series (started, messages each way, handled by
 *   code, handling time) of ServerMetrics;
 * - a call answered before the client half-closed has its stream reset once the answer is out
 *   (resetAfterAnswer), so that the client cannot hold it.
 */
export function callInterceptor({
  instanceId,
  calls,
  limits,
  metrics,
  auth,
}: CallInterceptorParts): ServerInterceptor {
  return (method, next) => {
    const open = auth.isOpen(method.path);
    const counted = metrics.method(method);
    counted.started += 1;
    let ended = false;
    let handled = false;
    let headersSent = false;
    let halfClosed = false;
    const handledWith = (code: status) => {
      if (handled) return;
      handled = true;
      counted.recordHandled(code, (performance.now() - tracked.started) / 1_000);
    };
    const end = (code: status, details: string, limit?: LimitName) => {
      if (ended) return;
      if (limit) metrics.refused(limit);
      call.sendStatus({ code, details, metadata: new Metadata() });
    };
    const tracked = calls.add(method.path, end);
    const call: ServerInterceptingCall = new ServerInterceptingCall(next, {
      start: (startNext) =>
        startNext({
          onReceiveMetadata: (metadata, metadataNext) => {
            const size = metadataBytes(metadata);
            if (size > limits.maxMetadataBytes) {
              return end(
                status.RESOURCE_EXHAUSTED,
                `the request metadata is ${size} bytes; the limit is ${limits.maxMetadataBytes}`,
                'metadata_size',
              );
            }
            auth.strip(metadata);
            if (open) return metadataNext(metadata);
            auth.check(metadata).then(
              (refusal) => {
                if (ended) return;
                if (refusal) end(refusal.code, refusal.details);
                else metadataNext(metadata);
              },
              () => end(status.INTERNAL, 'internal error'),
            );
          },
          onReceiveMessage: (message, messageNext) => {
            tracked.firstMessageBy = Infinity;
            counted.received += 1;
            messageNext(message);
          },
          onReceiveHalfClose: (halfCloseNext) => {
            tracked.firstMessageBy = Infinity;
            halfClosed = true;
            halfCloseNext();
          },
          // grpc-js notifies a cancel after every status too; a call not already finished
          // was cancelled by the client, by its deadline or by a lost connection.
          onCancel: () => {
            ended = true;
            handledWith(status.CANCELLED);
            calls.finish(tracked, status.CANCELLED, 'cancelled before the server answered');
          },
        }),
      sendMetadata: (metadata, sendNext) => {
        headersSent = true;
        metadata.set(SERVED_BY_HEADER, instanceId);
        sendNext(metadata);
      },
      sendMessage: (message, sendNext) => {
        counted.sent += 1;
        sendNext(message);
      },
      // In the trailers of an error too, since a client reads an error's metadata from them,
      // and of an answer that had no headers; an OK after headers needs it no more.
      sendStatus: (outcome, sendNext) => {
        ended = true;
        handledWith(outcome.code);
        calls.finish(tracked, outcome.code, outcome.details ?? '');
        if (!halfClosed) {
          const stream = http2StreamOf(next);
          if (stream) resetAfterAnswer(stream, !headersSent);
        }
        if (headersSent && outcome.code === status.OK) return sendNext(outcome);
        const trailers = outcome.metadata ?? new Metadata();
        trailers.set(SERVED_BY_HEADER, instanceId);
        sendNext({ ...outcome, metadata: trailers });
      },
    });
    return call;
  };
}
