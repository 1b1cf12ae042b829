const HOST_PORT = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;
const IPV4_PORT = /^(?:\d{1,3}\.){3}\d{1,3}:\d{1,5}$/;
const IPV6_PORT = /^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/;

/**
 * The grpc-js target for a backend address as written in configuration:
 * - `host:port`, one address (a name is resolved by DNS, and every address it has is used);
 * - `127.0.0.1:7001,127.0.0.1:7011`, a fixed list of replicas (becomes `ipv4:...`);
 * - `ipv4:`, `ipv6:` or `dns:` targets, as grpc-js reads them (`dns:///ticker.quartet.svc:7002`).
 * Returns an error message naming `variable` when the value is none of these.
 */
export function parseTarget(variable: string, value: string): { target: string } | { error: string } {
  const text = value.trim();
  const bad = (why: string) => ({ error: `${variable}=${JSON.stringify(value)} ${why}` });
  if (text === '') return bad('is empty');
  if (text.startsWith('dns:')) {
    const name = text.replace(/^dns:(\/\/[^/]*\/)?/, '');
    return HOST_PORT.test(name) ? { target: text } : bad('is not dns:///<host>:<port>');
  }
  if (text.startsWith('ipv4:') || text.startsWith('ipv6:')) {
    const pattern = text.startsWith('ipv4:') ? IPV4_PORT : IPV6_PORT;
    const addresses = text.slice(5).split(',');
    return addresses.every((address) => pattern.test(address) && validPort(address))
      ? { target: text }
      : bad(`is not a list of ${text.slice(0, 4)} <address>:<port>`);
  }
  const addresses = text.split(',').map((address) => address.trim());
  if (!addresses.every((address) => HOST_PORT.test(address) && validPort(address))) {
    return bad('is not <host>:<port>, a comma-separated list of them, or a dns:/ipv4:/ipv6: target');
  }
  if (addresses.length === 1) return { target: addresses[0] as string };
  if (addresses.every((address) => IPV4_PORT.test(address))) return { target: `ipv4:${addresses.join(',')}` };
  if (addresses.every((address) => IPV6_PORT.test(address))) return { target: `ipv6:${addresses.join(',')}` };
  return bad('mixes names and addresses; a list must be all IPv4 or all IPv6 (use dns:/// for a name)');
}

function validPort(address: string): boolean {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return port >= 1 && port <= 65535;
}
