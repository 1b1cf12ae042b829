/** The largest frame a member may send: a post of 1000 characters fits several times over. */
export const MAX_CLIENT_FRAME_BYTES = 8 * 1024;

/** Frames over MAX_CLIENT_FRAME_BYTES get an error frame; ws refuses those over this (close 1009) before buffering them. */
export const MAX_WEBSOCKET_PAYLOAD_BYTES = 8 * MAX_CLIENT_FRAME_BYTES;

/** What a member sends: `{"type": "post", "text": "...", "clientId": "..."}`. */
export interface PostFrame {
  readonly text: string;
  readonly clientId: string;
}

export type ParsedFrame = { readonly post: PostFrame } | { readonly problem: string };

/**
 * Reads one WebSocket frame from a member. Only the frame's shape is checked here; what a
 * post may say (not blank, its length) is the chat service's rule, and its answer reaches
 * the member as an error frame.
 */
export function parseClientFrame(data: Buffer, isBinary: boolean): ParsedFrame {
  if (isBinary) return { problem: 'frames must be text: JSON such as {"type":"post","text":"hi"}' };
  if (data.length > MAX_CLIENT_FRAME_BYTES) {
    return { problem: `the frame is ${data.length} bytes; the limit is ${MAX_CLIENT_FRAME_BYTES}` };
  }
  let frame: unknown;
  try {
    frame = JSON.parse(data.toString('utf8'));
  } catch {
    return { problem: 'the frame is not JSON' };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return { problem: 'the frame must be a JSON object with a "type"' };
  }
  const { type, text, clientId = '' } = frame as Record<string, unknown>;
  if (type !== 'post')
    return { problem: `unknown frame type ${JSON.stringify(type)}; the one type is "post"` };
  if (typeof text !== 'string') return { problem: 'a post needs "text", a string' };
  if (typeof clientId !== 'string') return { problem: '"clientId", when given, must be a string' };
  return { post: { text, clientId } };
}
