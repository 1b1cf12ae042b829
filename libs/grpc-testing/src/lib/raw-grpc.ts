import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from 'node:http2';
import { gzipSync } from 'node:zlib';

/** How a raw call ended: the gRPC status if the server sent one, else the HTTP/2 reset code. */
export interface RawOutcome {
  readonly grpcStatus?: number;
  readonly grpcMessage?: string;
  /** RST_STREAM's code when the stream was reset instead (7 REFUSED_STREAM, 11 ENHANCE_YOUR_CALM, ...). */
  readonly rstCode?: number;
  /** The stream or session failed before any status (a GOAWAY, a closed connection). */
  readonly error?: string;
}

export interface RawCall {
  readonly stream: ClientHttp2Stream;
  readonly outcome: Promise<RawOutcome>;
}

/** The HTTP/2 request headers of a gRPC call to `path` (`/package.Service/Method`), and any others. */
export function grpcRequestHeaders(
  path: string,
  extraHeaders: Record<string, string | string[]> = {},
): Record<string, string | string[]> {
  return {
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...extraHeaders,
  };
}

/**
 * One gRPC message on the wire: the 5-byte prefix (compressed flag, length) and the bytes.
 * `declaredLength` lets an attacker claim more than it sends.
 */
export function grpcFrame(
  message: Uint8Array,
  { compressed = false, declaredLength = message.length } = {},
): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt8(compressed ? 1 : 0, 0);
  frame.writeUInt32BE(declaredLength, 1);
  frame.set(message, 5);
  return frame;
}

/** A message of `size` zero bytes gzipped: a few KiB on the wire, `size` once inflated. */
export function gzipBomb(size: number): Buffer {
  return grpcFrame(gzipSync(Buffer.alloc(size)), { compressed: true });
}

/** An HTTP/2 connection that speaks gRPC's framing by hand, as a hostile client would. */
export function rawSession(address: string, options: { maxSessionMemory?: number } = {}): ClientHttp2Session {
  const session = connect(`http://${address}`, { maxSessionMemory: options.maxSessionMemory ?? 64 });
  session.on('error', () => undefined);
  return session;
}

/**
 * Starts a call to `path` on `session` with `extraHeaders` and writes `body` (then
 * half-closes, unless `halfClose` is false: a stalled call). Resolves its outcome from the
 * response headers (trailers-only), the trailers, or the reset.
 */
export function rawCall(
  session: ClientHttp2Session,
  path: string,
  body: Uint8Array,
  {
    extraHeaders = {},
    halfClose = true,
  }: { extraHeaders?: Record<string, string | string[]>; halfClose?: boolean } = {},
): RawCall {
  const stream = session.request(grpcRequestHeaders(path, extraHeaders));
  const outcome = new Promise<RawOutcome>((resolve) => {
    let settled = false;
    const settle = (value: RawOutcome) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const fromHeaders = (headers: Record<string, unknown>) => {
      if (headers['grpc-status'] === undefined) return;
      settle({
        grpcStatus: Number(headers['grpc-status']),
        grpcMessage: decodeURIComponent(String(headers['grpc-message'] ?? '')),
      });
    };
    stream.on('response', fromHeaders);
    stream.on('trailers', fromHeaders);
    stream.on('error', (error: Error) => settle({ error: error.message, rstCode: stream.rstCode }));
    stream.on('close', () =>
      settle(
        stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR
          ? { rstCode: stream.rstCode }
          : { error: 'closed without a status' },
      ),
    );
  });
  // Whatever the server sends is read and dropped, so that flow control never holds it.
  stream.on('data', () => undefined);
  if (halfClose) stream.end(body);
  else stream.write(body);
  return { stream, outcome };
}
