import { create, type DescMessage, fromJson, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { fixtureRegistry } from './fixtures/fixture-registry';
import { messageJson } from './message-json';

describe(messageJson.name, () => {
  let schema: DescMessage;
  const encode = (json: Record<string, unknown>) =>
    toBinary(schema, fromJson(schema, json as Parameters<typeof fromJson>[1]));

  beforeAll(() => {
    const found = fixtureRegistry().getMessage('binding.v1.BindingRequest');
    if (!found) throw new Error('no binding.v1.BindingRequest');
    schema = found;
  });

  it('writes every field with its JSON name, 64-bit integers below 2^53 as numbers, others as strings', () => {
    const json = messageJson(schema)(
      encode({ large: '9007199254740991', ids: ['-3', '9223372036854775807'], shelf: { id: 's' } }),
    );
    expect(json).toMatchObject({
      name: '',
      small: 0,
      large: 9007199254740991,
      ids: [-3, '9223372036854775807'],
      shelf: { id: 's' },
      tags: [],
      labels: {},
    });
    expect(messageJson(schema)(encode({ large: '9007199254740993' }))).toMatchObject({
      large: '9007199254740993',
    });
  });

  it('writes a Timestamp always with milliseconds, as Date.toISOString does', () => {
    expect(messageJson(schema)(encode({ at: '2026-12-07T10:00:00Z' }))).toMatchObject({
      at: '2026-12-07T10:00:00.000Z',
    });
    expect(messageJson(schema)(encode({ at: '2026-12-07T10:00:00.120Z' }))).toMatchObject({
      at: '2026-12-07T10:00:00.120Z',
    });
  });

  it('writes only the response_body field’s value when the rule names one', () => {
    expect(messageJson(schema, 'shelf')(encode({ shelf: { id: 'only' } }))).toEqual({ id: 'only' });
    expect(messageJson(schema, 'large')(toBinary(schema, create(schema)))).toBe(0);
  });

  it('writes JSON that reads back as the same message (property)', () => {
    const message = fc.record(
      {
        name: fc.string(),
        large: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
        ids: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), { maxLength: 3 }),
        at: fc
          .date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true })
          .map((date) => date.toISOString()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(message, (json) => {
        const bytes = encode(json);
        const written = messageJson(schema)(bytes) as Parameters<typeof fromJson>[1];
        expect(toBinary(schema, fromJson(schema, written))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });
});
