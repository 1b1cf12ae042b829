import type { DescField, DescMessage } from '@bufbuild/protobuf';
import type { HttpRoute } from '../transcoding/http-routes';
import { BESPOKE_PATHS, ERROR_RESPONSES, ERROR_SCHEMA } from './bespoke-paths';
import { type Schema, MessageSchemas } from './message-schemas';
import { commentOf } from './proto-comments';

/** How deep a query parameter may name a nested field (`a.b.c`), as a recursive message would go on forever. */
const MAX_QUERY_DEPTH = 3;

/**
 * The gateway's OpenAPI 3.1 document: the contracts' routes from their descriptors (paths,
 * parameters, bodies and schemas, the .proto comments as descriptions), and the routes written
 * by hand (session, uploads, chat, probes) from bespoke-paths.ts.
 */
export function openApiDocument(routes: readonly HttpRoute[], version: string): Schema {
  const schemas = new MessageSchemas();
  const paths: Record<string, Record<string, Schema>> = structuredClone(BESPOKE_PATHS);
  for (const route of routes) {
    const path = route.template.source.replace(/\{([^}=]+)=[^}]*\}/g, '{$1}');
    (paths[path] ??= {})[route.verb.toLowerCase()] = operation(route, schemas);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'quartet gateway',
      version,
      description:
        'HTTP, Server-Sent Events and WebSocket in front of quartet’s gRPC services. Sign in with POST /api/session, then send the token as Authorization: Bearer (or the session cookie).',
    },
    security: [{ bearer: [] }, { sessionCookie: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'quartet_session' },
      },
      schemas: { Error: ERROR_SCHEMA, ...sortedByName(schemas.components) },
    },
  };
}

function operation(route: HttpRoute, schemas: MessageSchemas): Schema {
  const { method } = route;
  const inPath = new Set(route.template.variables);
  const parameters: Schema[] = route.template.variables.map((variable) => ({
    name: variable,
    in: 'path',
    required: true,
    schema: schemas.field(fieldAt(method.input, variable)),
  }));
  if (route.body !== '*') {
    for (const field of method.input.fields) {
      if (inPath.has(field.name) || field.name === route.body) continue;
      parameters.push(
        ...queryParameters(field, field.jsonName, route.required.includes(field.name), schemas, 1),
      );
    }
  }
  if (route.eventStream) {
    const { idField, resumeField, item } = route.eventStream;
    parameters.push({
      name: 'Last-Event-ID',
      in: 'header',
      description: `The ${idField.name} of the last ${item} received: the stream resumes after it (sets ${resumeField.jsonName}).`,
      schema: { type: 'string', pattern: '^\\d{1,19}$' },
    });
  }
  const output = route.responseBody
    ? schemas.field(method.output.fields.find((field) => field.name === route.responseBody) as DescField)
    : schemas.ref(method.output);
  const body =
    route.body === undefined
      ? undefined
      : route.body === '*'
        ? schemas.ref(method.input)
        : schemas.field(method.input.fields.find((field) => field.name === route.body) as DescField);
  const streaming = method.methodKind === 'server_streaming';
  return {
    operationId: `${method.parent.typeName}.${method.name}`,
    summary: `${method.parent.name}.${method.name}`,
    description: commentOf(method) || commentOf(method.parent),
    tags: [method.parent.typeName],
    parameters,
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    responses: {
      '200': streaming
        ? {
            description:
              'A stream: Server-Sent Events, one message as JSON per event, then `end` (or `error` with {"error"}); newline-delimited {"result"} lines for Accept: application/x-ndjson.',
            // OpenAPI 3.2 names each event's schema `itemSchema`; 3.1 takes it as an extension.
            content: {
              'text/event-stream': { schema: { type: 'string' }, 'x-item-schema': output },
              'application/x-ndjson': {
                schema: { type: 'string' },
                'x-item-schema': { type: 'object', properties: { result: output, error: ERROR_SCHEMA } },
              },
            },
          }
        : {
            description: 'The response, as proto3 JSON.',
            content: { 'application/json': { schema: output } },
          },
      ...ERROR_RESPONSES,
    },
  };
}

/** The query parameters a field takes: itself, or each of its message's fields with a dotted name. */
function queryParameters(
  field: DescField,
  name: string,
  required: boolean,
  schemas: MessageSchemas,
  depth: number,
): Schema[] {
  const message = field.fieldKind === 'message' ? field.message : undefined;
  // Well-known types (Timestamp, Duration, wrappers) are one value; other messages, their fields.
  const nested = message && !message.typeName.startsWith('google.protobuf.');
  if (field.fieldKind === 'map' || (field.fieldKind === 'list' && field.listKind === 'message')) return [];
  if (nested) {
    if (depth >= MAX_QUERY_DEPTH) return [];
    return message.fields.flatMap((inner) =>
      queryParameters(inner, `${name}.${inner.jsonName}`, false, schemas, depth + 1),
    );
  }
  const description = commentOf(field);
  return [
    {
      name,
      in: 'query',
      ...(required ? { required: true } : {}),
      ...(description ? { description } : {}),
      schema: schemas.field(field),
      ...(field.fieldKind === 'list' ? { style: 'form', explode: true } : {}),
    },
  ];
}

function fieldAt(message: DescMessage, path: string): DescField {
  const [first, ...rest] = path.split('.');
  const field = message.fields.find((candidate) => candidate.name === first || candidate.jsonName === first);
  if (!field) throw new Error(`${message.typeName} has no field ${path}`);
  return rest.length > 0 && field.fieldKind === 'message' ? fieldAt(field.message, rest.join('.')) : field;
}

function sortedByName(schemas: Record<string, Schema>): Record<string, Schema> {
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}
