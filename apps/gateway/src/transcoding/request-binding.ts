import {
  type DescField,
  type DescMessage,
  fromJson,
  type JsonObject,
  type JsonValue,
  ScalarType,
} from '@bufbuild/protobuf';

/** A request that cannot become its message: a 400 naming the field. */
export class BindingError extends Error {}

/** Where a request's fields come from, per its HttpRule. */
export interface RequestParts {
  /** The path template's bindings, by field path. */
  readonly path: Readonly<Record<string, string>>;
  /** The query string as parsed: a parameter given twice is an array. */
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  /** The rule's `body`: '*' (every field not in the path), a field's name, or none. */
  readonly bodyField?: string;
  /** The parsed JSON body, when the rule takes one. */
  readonly body?: JsonValue;
}

/** Messages whose proto3 JSON form is a string, which a path or query value can therefore carry. */
const STRING_FORM_MESSAGES = new Set([
  'google.protobuf.Timestamp',
  'google.protobuf.Duration',
  'google.protobuf.FieldMask',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
]);

const INT32_RANGES: Partial<Record<ScalarType, readonly [number, number]>> = {
  [ScalarType.INT32]: [-(2 ** 31), 2 ** 31 - 1],
  [ScalarType.SINT32]: [-(2 ** 31), 2 ** 31 - 1],
  [ScalarType.SFIXED32]: [-(2 ** 31), 2 ** 31 - 1],
  [ScalarType.UINT32]: [0, 2 ** 32 - 1],
  [ScalarType.FIXED32]: [0, 2 ** 32 - 1],
};
const INT64_RANGES: Partial<Record<ScalarType, readonly [bigint, bigint]>> = {
  [ScalarType.INT64]: [-(2n ** 63n), 2n ** 63n - 1n],
  [ScalarType.SINT64]: [-(2n ** 63n), 2n ** 63n - 1n],
  [ScalarType.SFIXED64]: [-(2n ** 63n), 2n ** 63n - 1n],
  [ScalarType.UINT64]: [0n, 2n ** 64n - 1n],
  [ScalarType.FIXED64]: [0n, 2n ** 64n - 1n],
};

/**
 * The request message of `schema` from a request's path, query and body, as the HttpRule spec
 * maps them: a path or query parameter names a field by its path (`book.shelf.id`, each part its
 * proto or JSON name) and must end at a scalar, an enum or a message written as a string
 * (Timestamp, Duration, …); a repeated field takes the parameter given several times. With body
 * `*` the body carries every field the path does not, and a query parameter is refused.
 */
export function bindRequest<Desc extends DescMessage>(schema: Desc, parts: RequestParts) {
  const json: JsonObject = bodyJson(parts);
  const bound = new Set<string>();
  for (const [name, value] of Object.entries(parts.path)) {
    place(schema, json, name, [value], 'path variable');
    bound.add(name);
  }
  for (const [name, raw] of Object.entries(parts.query)) {
    if (raw === undefined) continue;
    if (parts.bodyField === '*') {
      throw new BindingError(`query parameter "${name}" is not taken: the body carries every field`);
    }
    if (bound.has(name)) throw new BindingError(`query parameter "${name}" is already bound by the path`);
    place(schema, json, name, Array.isArray(raw) ? raw : [raw], 'query parameter');
  }
  try {
    return fromJson(schema, json);
  } catch (error) {
    throw new BindingError(`the request does not fit ${schema.typeName}: ${(error as Error).message}`);
  }
}

function bodyJson({ bodyField, body }: RequestParts): JsonObject {
  if (bodyField === undefined) return {};
  if (bodyField === '*') {
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BindingError('the body must be a JSON object');
    }
    return { ...body };
  }
  return body === undefined ? {} : { [bodyField]: body };
}

/** Writes `values` at the field path `name` into `json`, converted to the field's JSON form. */
function place(
  schema: DescMessage,
  json: JsonObject,
  name: string,
  values: readonly string[],
  what: string,
): void {
  const names = name.split('.');
  let message = schema;
  let target = json;
  for (const [i, part] of names.entries()) {
    const field = fieldNamed(message, part);
    if (!field) throw new BindingError(`${what} "${name}" names no field of ${message.typeName}`);
    const last = i === names.length - 1;
    if (!last) {
      if (field.fieldKind !== 'message') throw new BindingError(`${what} "${name}": ${part} has no fields`);
      const inner = (target[field.jsonName] ??= {}) as JsonObject;
      [message, target] = [field.message, inner];
      continue;
    }
    if (field.fieldKind === 'list') {
      const items = (target[field.jsonName] ??= []) as JsonValue[];
      for (const value of values) items.push(leafValue(field, value, name, what));
      return;
    }
    if (values.length > 1) throw new BindingError(`${what} "${name}" must be given once`);
    target[field.jsonName] = leafValue(field, values[0] ?? '', name, what);
  }
}

function fieldNamed(message: DescMessage, part: string): DescField | undefined {
  return message.fields.find((field) => field.name === part || field.jsonName === part);
}

/** A path or query value as the field's proto3 JSON value. */
function leafValue(field: DescField, value: string, name: string, what: string): JsonValue {
  const refuse = (shape: string): never => {
    throw new BindingError(`${what} "${name}" must be ${shape}, not ${JSON.stringify(value.slice(0, 40))}`);
  };
  const kind = field.fieldKind === 'list' ? field.listKind : field.fieldKind;
  if (kind === 'enum') return value;
  if (kind === 'message') {
    const typeName = field.message?.typeName ?? '';
    if (!STRING_FORM_MESSAGES.has(typeName)) refuse(`given in the body: it is a ${typeName}`);
    return value;
  }
  if (kind !== 'scalar') return refuse('a scalar');
  const scalar = field.scalar ?? ScalarType.STRING;
  const int32 = INT32_RANGES[scalar];
  if (int32) {
    const number = /^-?\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
    if (!(number >= int32[0] && number <= int32[1])) refuse(`a whole number from ${int32[0]} to ${int32[1]}`);
    return number;
  }
  const int64 = INT64_RANGES[scalar];
  if (int64) {
    const number = /^-?\d{1,20}$/.test(value) ? BigInt(value) : undefined;
    if (number === undefined || number < int64[0] || number > int64[1]) {
      refuse(`a whole number from ${int64[0]} to ${int64[1]}`);
    }
    return value;
  }
  switch (scalar) {
    case ScalarType.BOOL:
      if (value !== 'true' && value !== 'false') refuse('true or false');
      return value === 'true';
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (['NaN', 'Infinity', '-Infinity'].includes(value)) return value;
      if (value.trim() === '' || !Number.isFinite(Number(value))) refuse('a number');
      return Number(value);
    case ScalarType.BYTES:
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) refuse('base64');
      return value;
    default:
      return value;
  }
}
