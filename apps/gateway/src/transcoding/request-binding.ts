import { BadRequestException } from '@nestjs/common';
import {
  type DescField,
  type DescMessage,
  fromJson,
  type JsonObject,
  type JsonValue,
  ScalarType,
} from '@bufbuild/protobuf';

/** A request that cannot become its message: a 400 naming the field. */
export class BindingError extends BadRequestException {}

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
  /** Fields of the request that must be set, by proto name: REQUIRED ones (http-routes.ts). */
  readonly required?: readonly string[];
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
 * `*` the body carries every field the path does not, and a query parameter is refused. A
 * required field that nothing sets, or that the query gives twice, is refused by its JSON name.
 */
export function bindRequest<Desc extends DescMessage>(schema: Desc, parts: RequestParts) {
  const json: JsonObject = bodyJson(parts);
  const bound = new Set<string>();
  const required = new Set(parts.required);
  for (const [name, value] of Object.entries(parts.path)) {
    place(schema, json, name, [value], { what: 'path variable', required: false });
    bound.add(name);
  }
  for (const [name, raw] of Object.entries(parts.query)) {
    if (raw === undefined) continue;
    if (parts.bodyField === '*') {
      throw new BindingError(`query parameter "${name}" is not taken: the body carries every field`);
    }
    if (bound.has(name)) throw new BindingError(`query parameter "${name}" is already bound by the path`);
    const field = fieldNamed(schema, name);
    place(schema, json, name, Array.isArray(raw) ? raw : [raw], {
      what: 'query parameter',
      required: field !== undefined && required.has(field.name),
    });
  }
  for (const field of schema.fields) {
    if (!required.has(field.name) || json[field.jsonName] !== undefined || json[field.name] !== undefined)
      continue;
    throw new BindingError(
      parts.bodyField === '*'
        ? `the body's field "${field.jsonName}" is required`
        : `query parameter "${field.jsonName}" is required, once`,
    );
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

/** How a parameter is named in errors, and whether its field is required. */
interface Source {
  readonly what: 'path variable' | 'query parameter';
  readonly required: boolean;
}

/** Writes `values` at the field path `name` into `json`, converted to the field's JSON form. */
function place(
  schema: DescMessage,
  json: JsonObject,
  name: string,
  values: readonly string[],
  { what, required }: Source,
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
    const refuse = (shape: string): never => {
      if (required && values.length > 1) throw new BindingError(`${what} "${name}" is required, once`);
      if (shape.startsWith('given in the body')) throw new BindingError(`${what} "${name}" must be ${shape}`);
      const how =
        what === 'path variable' ? '' : field.fieldKind === 'list' ? 'each time ' : 'given once, as ';
      throw new BindingError(`${what} "${name}" must be ${how}${shape}`);
    };
    if (field.fieldKind === 'list') {
      const items = (target[field.jsonName] ??= []) as JsonValue[];
      for (const value of values) items.push(leafValue(field, value, refuse));
      return;
    }
    const shape = leafValue(field, values[0] ?? '', refuse);
    if (values.length > 1) refuse(shapeOf(field));
    target[field.jsonName] = shape;
  }
}

function fieldNamed(message: DescMessage, part: string): DescField | undefined {
  return message.fields.find((field) => field.name === part || field.jsonName === part);
}

/** What a value of the field must look like, as an error says it. */
function shapeOf(field: DescField): string {
  let shape = 'a string';
  leafValue(field, '\u0000', (expected) => {
    shape = expected;
    return '';
  });
  return shape;
}

/** A path or query value as the field's proto3 JSON value, or what `refuse` makes of its shape. */
function leafValue(field: DescField, value: string, refuse: (shape: string) => JsonValue): JsonValue {
  const kind = field.fieldKind === 'list' ? field.listKind : field.fieldKind;
  if (kind === 'enum') return value;
  if (kind === 'message') {
    const typeName = field.message?.typeName ?? '';
    return STRING_FORM_MESSAGES.has(typeName) ? value : refuse(`given in the body: it is a ${typeName}`);
  }
  if (kind !== 'scalar') return refuse('a scalar');
  const scalar = field.scalar ?? ScalarType.STRING;
  const int32 = INT32_RANGES[scalar];
  if (int32) {
    const number = /^-?\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
    return number >= int32[0] && number <= int32[1]
      ? number
      : refuse(`a whole number from ${int32[0]} to ${int32[1]}`);
  }
  const int64 = INT64_RANGES[scalar];
  if (int64) {
    const number = /^-?\d{1,20}$/.test(value) ? BigInt(value) : undefined;
    return number !== undefined && number >= int64[0] && number <= int64[1]
      ? value
      : refuse(`a whole number from ${int64[0]} to ${int64[1]}`);
  }
  switch (scalar) {
    case ScalarType.BOOL:
      return value === 'true' || value === 'false' ? value === 'true' : refuse('true or false');
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (['NaN', 'Infinity', '-Infinity'].includes(value)) return value;
      return value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : refuse('a number');
    case ScalarType.BYTES:
      return /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? value : refuse('base64');
    default:
      return value;
  }
}
