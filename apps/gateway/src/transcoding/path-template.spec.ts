import fc from 'fast-check';
import { parsePathTemplate, PathTemplateError } from './path-template';

describe(parsePathTemplate.name, () => {
  it.each([
    ['/api/hello', '/api/hello', {}],
    ['/api/ticker/{symbol}', '/api/ticker/ACME', { symbol: 'ACME' }],
    [
      '/v1/{name=shelves/*}/books/{book_id}',
      '/v1/shelves/s1/books/b2',
      { name: 'shelves/s1', book_id: 'b2' },
    ],
    ['/v1/{book.name=**}', '/v1/shelves/s1/books/b2', { 'book.name': 'shelves/s1/books/b2' }],
    ['/v1/{book.name=**}', '/v1', { 'book.name': '' }],
    ['/v1/*/messages/{id}', '/v1/anything/messages/7', { id: '7' }],
    ['/v1/{name}:publish', '/v1/topic-1:publish', { name: 'topic-1' }],
    // One segment is decoded whole; several keep %2F, so that no value invents a boundary.
    ['/v1/{name}', '/v1/a%2Fb%20c', { name: 'a/b c' }],
    ['/v1/{name=**}', '/v1/a%2Fb/c%20d', { name: 'a%2Fb/c d' }],
  ])('%s matches %s', (template, path, bindings) => {
    expect(parsePathTemplate(template).match(path)).toEqual(bindings);
  });

  it.each([
    ['/api/ticker/{symbol}', '/api/ticker'],
    ['/api/ticker/{symbol}', '/api/ticker/ACME/more'],
    ['/api/ticker/{symbol}', '/api/ticker/'],
    ['/api/hello', '/api/hello/'],
    ['/api/hello', '/api//hello'],
    ['/v1/{name=shelves/*}', '/v1/racks/s1'],
    ['/v1/{name}:publish', '/v1/topic-1'],
    ['/v1/{name}:publish', '/v1/topic-1:subscribe'],
    ['/v1/{name=**}', '/v1/a//b'],
    ['/v1/{name}', '/v1/%E0%A4%A'],
    ['/api/hello', 'api/hello'],
  ])('%s does not match %s', (template, path) => {
    expect(parsePathTemplate(template).match(path)).toBeUndefined();
  });

  it.each([
    ['api/hello', 'it must start with "/"'],
    ['/v1/{name=**}/books', '"**" must be the last segment'],
    ['/v1/{name', 'unbalanced braces'],
    ['/v1/{a}/{a}', 'a is bound twice'],
    ['/v1/{1a}', '"1a" is no field path'],
    ['/v1//x', 'empty segment'],
    ['/v1/{a={b}}', 'unbalanced braces'],
    ['/v1/a b', '"a b" is no literal segment'],
  ])('refuses %s: %s', (template, why) => {
    expect(() => parsePathTemplate(template)).toThrow(
      new PathTemplateError(`path template ${JSON.stringify(template)}: ${why}`),
    );
  });

  it.each([
    ['/api/hello', '/api/hello'],
    ['/api/ticker/{symbol}', '/api/ticker/:symbol'],
    ['/v1/{shelf}/books/{book}', '/v1/:shelf/books/:book'],
    ['/v1/{name=shelves/*}', '/v1/shelves/*'],
    ['/v1/{book.id}/x', '/v1/*'],
    ['/v1/files/{path=**}', '/v1/files/*'],
    ['/v1/{name}:cancel', '/v1/*'],
    ['/v1/shelves:get', '/v1/*'],
  ])('routes %s as Fastify’s %s', (source, routerPath) => {
    expect(parsePathTemplate(source).routerPath).toBe(routerPath);
  });

  it('names its variables in order, and its verb', () => {
    const sut = parsePathTemplate('/v1/{parent=shelves/*}/books/{book.id}:archive');
    expect([sut.variables, sut.verb]).toEqual([['parent', 'book.id'], 'archive']);
  });

  it('gives back every value put into a path, percent-encoded as a client would (property)', () => {
    const ident = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
    const literal = fc.stringMatching(/^[a-z0-9][a-z0-9._~-]{0,6}$/);
    const value = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            literal.map((text) => ({ text })),
            ident.map((variable) => ({ variable })),
          ),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.array(value, { minLength: 5, maxLength: 5 }),
        (segments, values) => {
          const names = new Set<string>();
          const unique = segments.filter(
            (segment) =>
              !('variable' in segment) || (!names.has(segment.variable) && names.add(segment.variable)),
          );
          const template = `/${unique.map((segment) => ('text' in segment ? segment.text : `{${segment.variable}}`)).join('/')}`;
          const expected: Record<string, string> = {};
          const path = `/${unique
            .map((segment, i) => {
              if ('text' in segment) return encodeURIComponent(segment.text);
              expected[segment.variable] = values[i] ?? 'x';
              return encodeURIComponent(values[i] ?? 'x');
            })
            .join('/')}`;
          expect(parsePathTemplate(template).match(path)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
