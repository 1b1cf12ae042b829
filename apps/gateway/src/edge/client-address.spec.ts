import { clientOf, proxyTrust } from './client-address';

describe(clientOf.name, () => {
  const ingress = proxyTrust(['10.0.0.0/8']);

  it('takes the peer as the client when it trusts nobody, whatever the headers claim', () => {
    const headers = {
      'x-forwarded-for': '203.0.113.9',
      forwarded: 'for=198.51.100.1',
      'x-forwarded-proto': 'https',
    };
    expect(clientOf('198.51.100.7', headers, proxyTrust([]), false)).toEqual({
      address: '198.51.100.7',
      secure: false,
    });
  });

  it('ignores the headers of a peer outside TRUSTED_PROXIES', () => {
    expect(clientOf('192.0.2.1', { 'x-forwarded-for': '203.0.113.9' }, ingress, false).address).toBe(
      '192.0.2.1',
    );
  });

  it('believes a trusted peer about the client, and about its scheme', () => {
    expect(
      clientOf(
        '10.1.2.3',
        { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
        ingress,
        false,
      ),
    ).toEqual({ address: '203.0.113.9', secure: true });
  });

  it('stops at the first untrusted hop: what the client itself wrote in front of it is not believed', () => {
    const headers = { 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.0.0.2' };
    expect(clientOf('10.0.0.1', headers, ingress, false).address).toBe('203.0.113.9');
  });

  it('reads Forwarded (RFC 7239) when there is no X-Forwarded-For, ports and IPv6 brackets dropped', () => {
    const headers = { forwarded: 'for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711";proto=https' };
    expect(clientOf('10.0.0.1', headers, ingress, false)).toEqual({
      address: '2001:db8:cafe::17',
      secure: true,
    });
    expect(clientOf('10.0.0.1', { forwarded: 'for=192.0.2.43:47011' }, ingress, false).address).toBe(
      '192.0.2.43',
    );
  });

  it('prefers X-Forwarded-For, which nginx and ingress-nginx append to, over Forwarded', () => {
    const headers = { 'x-forwarded-for': '203.0.113.9', forwarded: 'for=198.51.100.1' };
    expect(clientOf('10.0.0.1', headers, ingress, false).address).toBe('203.0.113.9');
  });

  it('lets the trusted hop stand in for a client it reports as unknown or obfuscated', () => {
    expect(clientOf('10.0.0.1', { forwarded: 'for=unknown' }, ingress, false).address).toBe('10.0.0.1');
    expect(clientOf('10.0.0.1', { forwarded: 'for=_hidden' }, ingress, false).address).toBe('10.0.0.1');
  });

  it('keeps the peer’s own scheme when a trusted proxy says nothing of it', () => {
    expect(clientOf('10.0.0.1', {}, ingress, true)).toEqual({ address: '10.0.0.1', secure: true });
  });

  it('matches an IPv4 peer seen as an IPv4-mapped IPv6 address', () => {
    const loopback = proxyTrust(['127.0.0.1']);
    expect(clientOf('::ffff:127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }, loopback, false).address).toBe(
      '203.0.113.9',
    );
  });
});

describe(proxyTrust.name, () => {
  it('names an entry that is neither an address nor a range', () => {
    expect(() => proxyTrust(['10.0.0.0/8', 'ingress.local'])).toThrow(
      '"ingress.local" is not an address or CIDR range',
    );
  });
});
