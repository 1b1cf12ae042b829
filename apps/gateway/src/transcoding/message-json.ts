import { type DescMessage, fromBinary, type JsonValue, toJson } from '@bufbuild/protobuf';

/**
 * Encoded messages of `schema` as the HTTP body: proto3 JSON with JSON (lowerCamel) names, the
 * whole message or, with the rule's `response_body`, that one field's value.
 */
export function messageJson(schema: DescMessage, responseBody?: string): (bytes: Uint8Array) => JsonValue {
  const field = responseBody === undefined ? undefined : schema.fields.find((f) => f.name === responseBody);
  if (responseBody !== undefined && !field)
    throw new Error(`${schema.typeName} has no field ${responseBody}`);
  return (bytes) => {
    const json = toJson(schema, fromBinary(schema, bytes), { alwaysEmitImplicit: true });
    return field ? ((json as Record<string, JsonValue>)[field.jsonName] ?? null) : json;
  };
}
