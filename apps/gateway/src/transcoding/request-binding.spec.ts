import { type DescMessage, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { fixtureRegistry } from './fixtures/fixture-registry';
import { BindingError, bindRequest } from './request-binding';

describe(bindRequest.name, () => {
  let schema: DescMessage;
  const bind = (parts: Partial<Parameters<typeof bindRequest>[1]>) =>
    toJson(schema, bindRequest(schema, { path: {}, query: {}, ...parts }));

  beforeAll(() => {
    const found = fixtureRegistry().getMessage('binding.v1.BindingRequest');
    if (!found) throw new Error('no binding.v1.BindingRequest');
    schema = found;
  });

  it('takes path variables and query parameters by proto or JSON name, nested with dots', () => {
    expect(
      bind({
        path: { name: 'shelves/s1' },
        query: {
          small: '-7',
          large: '18446744073709551615',
          flag: 'true',
          'shelf.inner.id': 'deep',
          ratio: '0.5',
        },
      }),
    ).toEqual({
      name: 'shelves/s1',
      small: -7,
      large: '18446744073709551615',
      flag: true,
      ratio: 0.5,
      shelf: { inner: { id: 'deep' } },
    });
  });

  it('fills a repeated field from the parameter given again and again, and takes enums and timestamps as strings', () => {
    expect(
      bind({
        query: { tags: ['a', 'b'], ids: ['1', '-2'], colour: 'COLOUR_RED', at: '2026-12-07T10:00:00Z' },
      }),
    ).toEqual({ tags: ['a', 'b'], ids: ['1', '-2'], colour: 'COLOUR_RED', at: '2026-12-07T10:00:00Z' });
  });

  it('takes the whole body for body "*" and a named field’s for a named body, the path on top', () => {
    expect(bind({ path: { name: 'n' }, bodyField: '*', body: { small: 3, tags: ['x'] } })).toEqual({
      name: 'n',
      small: 3,
      tags: ['x'],
    });
    expect(bind({ bodyField: 'shelf', body: { id: 's9' }, query: { flag: 'false' } })).toEqual({
      shelf: { id: 's9' },
    });
  });

  it.each([
    [{ query: { nope: '1' } }, 'query parameter "nope" names no field of binding.v1.BindingRequest'],
    [
      { query: { small: 'abc' } },
      'query parameter "small" must be given once, as a whole number from -2147483648 to 2147483647',
    ],
    [
      { query: { small: '2147483648' } },
      'query parameter "small" must be given once, as a whole number from -2147483648 to 2147483647',
    ],
    [
      { query: { large: '-1' } },
      'query parameter "large" must be given once, as a whole number from 0 to 18446744073709551615',
    ],
    [{ query: { flag: 'yes' } }, 'query parameter "flag" must be given once, as true or false'],
    [{ query: { ratio: 'half' } }, 'query parameter "ratio" must be given once, as a number'],
    [{ query: { name: ['a', 'b'] } }, 'query parameter "name" must be given once, as a string'],
    [
      { query: { small: ['1', '2'] } },
      'query parameter "small" must be given once, as a whole number from -2147483648 to 2147483647',
    ],
    [
      { query: { ids: ['1', 'x'] } },
      'query parameter "ids" must be each time a whole number from -9223372036854775808 to 9223372036854775807',
    ],
    [{ path: { small: 'x' } }, 'path variable "small" must be a whole number from -2147483648 to 2147483647'],
    [{ required: ['name'] }, 'query parameter "name" is required, once'],
    [{ required: ['name'], query: { name: ['a', 'b'] } }, 'query parameter "name" is required, once'],
    [{ required: ['small'], bodyField: '*', body: { name: 'x' } }, 'the body\'s field "small" is required'],
    [
      { query: { shelf: 'x' } },
      'query parameter "shelf" must be given in the body: it is a binding.v1.Shelf',
    ],
    [{ query: { 'name.id': 'x' } }, 'query parameter "name.id": name has no fields'],
    [{ path: { name: 'a' }, query: { name: 'b' } }, 'query parameter "name" is already bound by the path'],
    [
      { bodyField: '*', body: {}, query: { small: '1' } },
      'query parameter "small" is not taken: the body carries every field',
    ],
    [{ bodyField: '*', body: [1] }, 'the body must be a JSON object'],
  ])('refuses %j: %s', (parts, message) => {
    expect(() => bindRequest(schema, { path: {}, query: {}, ...parts })).toThrow(new BindingError(message));
  });

  it('refuses a body that does not fit the message, naming what', () => {
    expect(() => bindRequest(schema, { path: {}, query: {}, bodyField: '*', body: { small: 'x' } })).toThrow(
      /^the request does not fit binding\.v1\.BindingRequest: .*small/,
    );
  });

  it('gives back, through the binary encoding, any message it binds from JSON (property)', () => {
    // Fields at their default are left out: proto3 JSON does not write them.
    const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
    const message = fc.record(
      {
        name: fc.string({ minLength: 1 }),
        small: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).filter((n) => n !== 0),
        large: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }).map(String),
        flag: fc.constant(true),
        ratio: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => n !== 0),
        tags: fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
        ids: fc.array(int64, { minLength: 1, maxLength: 3 }),
        colour: fc.constant('COLOUR_RED'),
        shelf: fc.record({ id: fc.string({ minLength: 1 }) }),
        labels: fc.dictionary(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), {
          minKeys: 1,
          maxKeys: 3,
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(message, (json) => {
        const bound = bindRequest(schema, { path: {}, query: {}, bodyField: '*', body: json });
        const again = fromBinary(schema, toBinary(schema, bound));
        expect(toJson(schema, again)).toEqual(json);
      }),
      { numRuns: 300 },
    );
  });
});
