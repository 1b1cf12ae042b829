import { type DescEnum, type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import { commentOf } from './proto-comments';

/** A JSON Schema (2020-12, as OpenAPI 3.1 has it), loosely typed: it is written out as JSON. */
export type Schema = Record<string, unknown>;

const INT32 = { type: 'integer', format: 'int32' };
const UINT32 = { type: 'integer', format: 'uint32', minimum: 0 };
// Written as numbers below 2^53 and as strings above (transcoding/message-json.ts); read as either.
const INT64 = { type: ['integer', 'string'], format: 'int64' };
const UINT64 = { type: ['integer', 'string'], format: 'uint64' };

const SCALARS: Record<ScalarType, Schema> = {
  [ScalarType.DOUBLE]: { type: 'number', format: 'double' },
  [ScalarType.FLOAT]: { type: 'number', format: 'float' },
  [ScalarType.INT64]: INT64,
  [ScalarType.UINT64]: UINT64,
  [ScalarType.INT32]: INT32,
  [ScalarType.FIXED64]: UINT64,
  [ScalarType.FIXED32]: UINT32,
  [ScalarType.BOOL]: { type: 'boolean' },
  [ScalarType.STRING]: { type: 'string' },
  [ScalarType.BYTES]: { type: 'string', contentEncoding: 'base64' },
  [ScalarType.UINT32]: UINT32,
  [ScalarType.SFIXED32]: INT32,
  [ScalarType.SFIXED64]: INT64,
  [ScalarType.SINT32]: INT32,
  [ScalarType.SINT64]: INT64,
};

/** Well-known types whose proto3 JSON is not an object of their fields. */
const WELL_KNOWN: Record<string, Schema> = {
  'google.protobuf.Timestamp': { type: 'string', format: 'date-time' },
  'google.protobuf.Duration': { type: 'string', pattern: '^-?\\d+(\\.\\d+)?s$' },
  'google.protobuf.FieldMask': { type: 'string' },
  'google.protobuf.Empty': { type: 'object' },
  'google.protobuf.Struct': { type: 'object' },
  'google.protobuf.Value': {},
  'google.protobuf.ListValue': { type: 'array' },
  'google.protobuf.Any': { type: 'object', properties: { '@type': { type: 'string' } } },
  'google.protobuf.StringValue': { type: 'string' },
  'google.protobuf.BytesValue': { type: 'string', contentEncoding: 'base64' },
  'google.protobuf.BoolValue': { type: 'boolean' },
  'google.protobuf.DoubleValue': { type: 'number' },
  'google.protobuf.FloatValue': { type: 'number' },
  'google.protobuf.Int32Value': INT32,
  'google.protobuf.UInt32Value': UINT32,
  'google.protobuf.Int64Value': INT64,
  'google.protobuf.UInt64Value': UINT64,
};

/**
 * The JSON Schemas of messages as the gateway writes and reads them (proto3 JSON), one per
 * message under `#/components/schemas/<full name>`, with the .proto comments as descriptions.
 */
export class MessageSchemas {
  readonly components: Record<string, Schema> = {};

  /** A reference to `message`'s schema, adding it (and what it refers to) to the components. */
  ref(message: DescMessage): Schema {
    const known = WELL_KNOWN[message.typeName];
    if (known) return known;
    if (!(message.typeName in this.components)) {
      this.components[message.typeName] = {}; // before its fields, which may refer back to it
      this.components[message.typeName] = this.messageSchema(message);
    }
    return { $ref: `#/components/schemas/${message.typeName}` };
  }

  /** The schema of one field's value. */
  field(field: DescField): Schema {
    const description = commentOf(field);
    return { ...this.valueSchema(field), ...(description ? { description } : {}) };
  }

  private messageSchema(message: DescMessage): Schema {
    const description = commentOf(message);
    return {
      type: 'object',
      ...(description ? { description } : {}),
      properties: Object.fromEntries(message.fields.map((field) => [field.jsonName, this.field(field)])),
    };
  }

  private valueSchema(field: DescField): Schema {
    switch (field.fieldKind) {
      case 'list':
        return { type: 'array', items: this.elementSchema(field.listKind, field) };
      case 'map':
        return { type: 'object', additionalProperties: this.elementSchema(field.mapKind, field) };
      default:
        return this.elementSchema(field.fieldKind, field);
    }
  }

  /** The schema of a value of `kind`: the field itself, or each item of its list or map. */
  private elementSchema(kind: 'scalar' | 'enum' | 'message', field: DescField): Schema {
    switch (kind) {
      case 'scalar':
        return SCALARS[(field as { scalar: ScalarType }).scalar];
      case 'enum':
        return { type: 'string', enum: (field as { enum: DescEnum }).enum.values.map((value) => value.name) };
      case 'message':
        return this.ref((field as { message: DescMessage }).message);
    }
  }
}
