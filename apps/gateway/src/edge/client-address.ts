import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { compile } from '@fastify/proxy-addr';

/** Who a request comes from, as far as the hops in front of the gateway can be believed. */
export interface Client {
  /** The client's address: the peer's, or the first untrusted hop's that trusted proxies report. */
  readonly address: string;
  /** Whether the client's own request came over HTTPS (its proxy terminated TLS, or the gateway did). */
  readonly secure: boolean;
}

/** Whether an address is a proxy whose forwarding headers are believed (TRUSTED_PROXIES). */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * The trust of TRUSTED_PROXIES: addresses, CIDR ranges, or `loopback`/`linklocal`/`uniquelocal`;
 * none trusts nobody. Throws, naming the entry, on one that is none of these.
 */
export function proxyTrust(entries: readonly string[]): ProxyTrust {
  if (entries.length === 0) return () => false;
  for (const entry of entries) {
    try {
      compile(entry);
    } catch {
      throw new Error(`${JSON.stringify(entry)} is not an address or CIDR range`);
    }
  }
  return compile([...entries]);
}

/**
 * The request's client: walks the hops from the peer back towards the client, believing each
 * hop's report (X-Forwarded-For, else Forwarded; X-Forwarded-Proto or Forwarded `proto`) only
 * while the hop that made it is trusted, as RFC 7239 §8.1 and Express's proxy-addr do. The
 * first hop that is not trusted is the client; a spoofed header from an untrusted peer
 * changes nothing.
 */
export function clientOf(
  peer: string | undefined,
  headers: IncomingHttpHeaders,
  trust: ProxyTrust,
  encrypted: boolean,
): Client {
  const direct = peer ?? 'unknown';
  if (peer === undefined || !trust(peer, 0)) return { address: direct, secure: encrypted };
  const forwarded = parseForwarded(headers.forwarded);
  const hops =
    headers['x-forwarded-for'] !== undefined ? forwardedFor(headers['x-forwarded-for']) : forwarded.for;
  let address = peer;
  for (let index = hops.length - 1, hop = 1; index >= 0; index -= 1, hop += 1) {
    const reported = hops[index];
    // An obfuscated or unknown hop (RFC 7239 §6): the client is behind it, and the trusted hop
    // that reported it stands in for it.
    if (reported === undefined || isIP(reported) === 0) break;
    address = reported;
    if (!trust(reported, hop)) break;
  }
  const proto = lastOf(headers['x-forwarded-proto']) ?? forwarded.proto;
  return { address, secure: proto === undefined ? encrypted : proto.toLowerCase() === 'https' };
}

function forwardedFor(header: string | string[]): string[] {
  return [header]
    .flat()
    .flatMap((value) => value.split(','))
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
}

function lastOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const values = forwardedFor(header);
  return values[values.length - 1];
}

/** The `for` of each element of a Forwarded header (RFC 7239 §4), nearest last, and the nearest `proto`. */
function parseForwarded(header: string | undefined): { for: string[]; proto?: string } {
  const hops: string[] = [];
  let proto: string | undefined;
  for (const element of header?.split(',') ?? []) {
    for (const pair of element.split(';')) {
      const at = pair.indexOf('=');
      if (at < 0) continue;
      const name = pair.slice(0, at).trim().toLowerCase();
      const value = unquote(pair.slice(at + 1).trim());
      if (name === 'for') hops.push(nodeAddress(value));
      else if (name === 'proto') proto = value;
    }
  }
  return { for: hops, proto };
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** The address of an RFC 7239 node: `192.0.2.43:47011` → `192.0.2.43`, `[2001:db8::17]:4711` → `2001:db8::17`. */
function nodeAddress(node: string): string {
  if (node.startsWith('[')) {
    const end = node.indexOf(']');
    return end > 0 ? node.slice(1, end) : node;
  }
  const colon = node.indexOf(':');
  return colon >= 0 && node.indexOf(':', colon + 1) < 0 ? node.slice(0, colon) : node;
}
