import { constants, type ServerHttp2Stream } from 'node:http2';
import type { ServerInterceptingCallInterface } from '@grpc/grpc-js';

/**
 * The HTTP/2 stream under a call. grpc-js gives interceptors no public way to it, so this walks
 * the chain of intercepting calls to grpc-js's base call, which holds it; undefined if a grpc-js
 * release moves it (the attack suite's length-lie case then fails on every service).
 */
export function http2StreamOf(call: ServerInterceptingCallInterface): ServerHttp2Stream | undefined {
  let link: unknown = call;
  for (let depth = 0; depth < 8 && typeof link === 'object' && link !== null; depth += 1) {
    const { stream, nextCall } = link as { stream?: ServerHttp2Stream; nextCall?: unknown };
    if (stream && typeof stream.close === 'function') return stream;
    link = nextCall;
  }
  return undefined;
}

/** How many turns of the event loop a status may take to leave; one held past them is left to the call's limits. */
const MAX_TURNS = 64;

/**
 * Resets `stream` with RST_STREAM NO_ERROR once its status has gone out, if the client is still
 * sending: RFC 9113 §8.1 lets a server end a stream whose response is complete this way, and
 * grpc-go does. Without it a client that never half-closes (a message whose length prefix lies)
 * holds the stream, one of its connection's MAX_CONCURRENT_STREAMS, after its answer.
 *
 * `trailersOnly`: the status goes out as the response's only headers (nothing was sent before
 * it); otherwise it follows as trailers, which grpc-js writes on 'wantTrailers'. Either way the
 * reset waits until the stream's own side is closed (its END_STREAM frame sent): nghttp2 sends a
 * RST_STREAM ahead of frames still queued, and the status would be lost with them.
 */
export function resetAfterAnswer(stream: ServerHttp2Stream, trailersOnly: boolean): void {
  let turns = 0;
  const resetOnceSent = () => {
    if (stream.closed || stream.destroyed) return;
    const { localClose, remoteClose } = stream.state;
    if (remoteClose === 1) return;
    if (localClose === 1) stream.close(constants.NGHTTP2_NO_ERROR);
    else if (++turns < MAX_TURNS) setImmediate(resetOnceSent);
  };
  stream.once(trailersOnly ? 'finish' : 'wantTrailers', () => setImmediate(resetOnceSent));
}
