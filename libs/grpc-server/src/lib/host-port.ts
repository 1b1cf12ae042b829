/** `host:port` as a URL writes it: an IPv6 host in brackets (`[::1]:50051`), others as they are. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
