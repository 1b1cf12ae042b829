import {
  type DescField,
  type DescMessage,
  fromBinary,
  type JsonObject,
  type JsonValue,
  ScalarType,
  toJson,
} from '@bufbuild/protobuf';

/**
 * Encoded messages of `schema` as the HTTP body: proto3 JSON with JSON (lowerCamel) names, the
 * whole message or, with the rule's `response_body`, that one field's value.
 *
 * Two choices within what proto3 JSON parsers accept: a 64-bit integer below 2^53 is written as
 * a number (as the gateway always wrote seqs and sizes; every parser reads both forms), and a
 * Timestamp always with milliseconds (as `Date.toISOString` writes it), not with none when the
 * milliseconds happen to be 0.
 */
export function messageJson(schema: DescMessage, responseBody?: string): (bytes: Uint8Array) => JsonValue {
  const field = responseBody === undefined ? undefined : schema.fields.find((f) => f.name === responseBody);
  if (responseBody !== undefined && !field)
    throw new Error(`${schema.typeName} has no field ${responseBody}`);
  return (bytes) => {
    const json = gatewayJson(schema, toJson(schema, fromBinary(schema, bytes), { alwaysEmitImplicit: true }));
    return field ? ((json as JsonObject)[field.jsonName] ?? null) : json;
  };
}

const INT64 = new Set([
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.SINT64,
  ScalarType.FIXED64,
  ScalarType.SFIXED64,
]);

function gatewayJson(schema: DescMessage, json: JsonValue): JsonValue {
  if (schema.typeName === 'google.protobuf.Timestamp') return withMilliseconds(json);
  // Every other well-known type has its own JSON form, which stays as toJson wrote it.
  if (schema.typeName.startsWith('google.protobuf.') || !isObject(json)) return json;
  for (const field of schema.fields) {
    const value = json[field.jsonName];
    if (value !== undefined && value !== null) json[field.jsonName] = fieldJson(field, value);
  }
  return json;
}

function fieldJson(field: DescField, value: JsonValue): JsonValue {
  switch (field.fieldKind) {
    case 'scalar':
      return INT64.has(field.scalar) ? safeNumber(value) : value;
    case 'message':
      return gatewayJson(field.message, value);
    case 'list':
      if (!Array.isArray(value)) return value;
      if (field.listKind === 'scalar' && INT64.has(field.scalar)) return value.map(safeNumber);
      if (field.listKind === 'message') return value.map((item) => gatewayJson(field.message, item));
      return value;
    case 'map':
      if (!isObject(value)) return value;
      for (const [key, item] of Object.entries(value)) {
        if (field.mapKind === 'scalar' && INT64.has(field.scalar)) value[key] = safeNumber(item);
        if (field.mapKind === 'message') value[key] = gatewayJson(field.message, item);
      }
      return value;
    default:
      return value;
  }
}

function safeNumber(value: JsonValue): JsonValue {
  if (typeof value !== 'string') return value;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

function withMilliseconds(json: JsonValue): JsonValue {
  return typeof json === 'string' && /:\d\dZ$/.test(json) ? `${json.slice(0, -1)}.000Z` : json;
}

const isObject = (value: JsonValue): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
