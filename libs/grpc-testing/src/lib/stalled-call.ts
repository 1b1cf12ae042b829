import { connect, constants } from 'node:http2';
import { grpcFrame, grpcRequestHeaders } from './raw-grpc';

/** A gRPC call whose client reads no byte of the response until told to. */
export interface StalledCall {
  /** Starts reading (and discarding) the response, as a client catching up would. */
  startReading(): void;
  /** Cancels the call (RST_STREAM CANCEL) and closes the connection. */
  close(): void;
  /** Resolves when the server ends or resets the stream. */
  readonly ended: Promise<void>;
}

/**
 * Starts a server-streaming or bidi call over plain HTTP/2 and leaves its response unread,
 * so that flow control stops the server. A grpc-js client cannot do this: grpc-js 1.14
 * goes on taking HTTP/2 data into an internal queue while the application reads nothing,
 * so a server never sees it stop.
 */
export function stalledCall(
  address: string,
  path: string,
  request: Uint8Array,
  { halfClose = true } = {},
): StalledCall {
  const session = connect(`http://${address}`);
  session.on('error', () => undefined);
  const stream = session.request(grpcRequestHeaders(path));
  stream.on('error', () => undefined);
  const frame = grpcFrame(request);
  // A bidi call stays open for more requests unless told to half-close.
  if (halfClose) stream.end(frame);
  else stream.write(frame);
  stream.pause();
  const ended = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  return {
    startReading: () => stream.resume(),
    close: () => {
      stream.close(constants.NGHTTP2_CANCEL);
      session.close();
    },
    ended,
  };
}
