import fc from 'fast-check';

/**
 * Other spellings of a route's path that a router, a proxy or a decoder might take for it:
 * letters percent-encoded at random (either hex case), which a router decodes to the same
 * route, and then at most one change that may or may not reach the route: a double-encoded
 * `%25`, a case change, a doubled or encoded slash, a dot segment, a trailing slash, a `;`
 * parameter, a NUL, or the absolute form of the request target (RFC 9112 §3.2.2). `path` is
 * `/seg/seg...`; the result is a request target.
 */
export function pathSpelling(path: string): fc.Arbitrary<string> {
  const letters = fc.array(fc.constantFrom<Letter>('plain', 'encoded', 'upper-hex'), {
    minLength: path.length,
    maxLength: path.length,
  });
  const change = fc.option(
    fc.record({
      kind: fc.constantFrom<Change>(
        'double-encoded',
        'upper-case',
        '//',
        '%2F',
        '/./',
        '/x/../',
        '/%2e%2e/',
        'trailing /',
        ';param',
        '%00',
        'absolute',
      ),
      at: fc.nat(),
    }),
    { nil: undefined, freq: 3 },
  );
  return fc.tuple(letters, change).map(([how, changed]) => {
    const chars = [...path];
    const slashes = chars.flatMap((char, at) => (char === '/' && at > 0 ? [at] : []));
    const lettersAt = chars.flatMap((char, at) => (char === '/' ? [] : [at]));
    const letterAt = lettersAt[(changed?.at ?? 0) % lettersAt.length];
    const slashAt = slashes.length === 0 ? undefined : slashes[(changed?.at ?? 0) % slashes.length];
    const spelt = chars.map((char, at) => {
      if (char === '/') {
        if (at !== slashAt) return char;
        if (changed?.kind === '//' || changed?.kind === '%2F') return changed.kind;
        if (changed?.kind === '/./' || changed?.kind === '/x/../' || changed?.kind === '/%2e%2e/')
          return changed.kind === '/%2e%2e/' ? '/x/%2e%2e/' : changed.kind;
        return char;
      }
      if (at === letterAt && changed?.kind === 'double-encoded') return spell(char, 'double-encoded');
      if (at === letterAt && changed?.kind === 'upper-case') return char.toUpperCase();
      return spell(char, how[at] ?? 'plain');
    });
    const tails: Partial<Record<Change, string>> = {
      'trailing /': '/',
      ';param': ';jsessionid=1',
      '%00': '%00',
    };
    const tail = (changed && tails[changed.kind]) ?? '';
    const target = spelt.join('') + tail;
    return changed?.kind === 'absolute' ? `http://gateway.test${target}` : target;
  });
}

type Letter = 'plain' | 'encoded' | 'upper-hex' | 'double-encoded';
type Change =
  | 'double-encoded'
  | 'upper-case'
  | '//'
  | '%2F'
  | '/./'
  | '/x/../'
  | '/%2e%2e/'
  | 'trailing /'
  | ';param'
  | '%00'
  | 'absolute';

function spell(char: string, how: Letter): string {
  const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
  switch (how) {
    case 'encoded':
      return `%${hex}`;
    case 'upper-hex':
      return `%${hex.toUpperCase()}`;
    case 'double-encoded':
      return `%25${hex}`;
    default:
      return char;
  }
}

/** A fixed handful of the spellings above, for suites that try each once (the attack suite). */
export function pathSpellingsOf(path: string): string[] {
  const [first = '', ...rest] = path.split('/').slice(1);
  const encodedFirst = `%${first.charCodeAt(0).toString(16)}${first.slice(1)}`;
  const tail = rest.join('/');
  return [
    `/${encodedFirst}/${tail}`,
    `/${first}%2F${tail}`,
    `/%25${first.charCodeAt(0).toString(16)}${first.slice(1)}/${tail}`,
    `//${first}//${tail}`,
    `/${first}/${tail}/`,
    `/${first}/x/../${tail}`,
    `/${first}/./${tail}`,
    `/${first}/${tail};a=b`,
    `/${first.toUpperCase()}/${tail}`,
    `http://gateway.test/${first}/${tail}`,
  ];
}
