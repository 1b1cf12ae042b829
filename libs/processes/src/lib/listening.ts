/** What a quartet app (a service, the gateway, a bench anchor) logs once it accepts connections. */
export interface ListeningEvent {
  readonly event: 'listening';
  /** host:port as it was bound, an IPv6 host in brackets. */
  readonly address: string;
  readonly [detail: string]: unknown;
}

/**
 * The `listening` event in one line of an app's JSON log (`{"message":{"event":"listening",
 * "address":...}}`), or undefined for any other line, JSON or not.
 */
export function listeningEvent(line: string): ListeningEvent | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  const message = (entry as { message?: unknown } | null)?.message as Partial<ListeningEvent> | undefined;
  return message?.event === 'listening' && typeof message.address === 'string'
    ? (message as ListeningEvent)
    : undefined;
}
