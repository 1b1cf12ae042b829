import {
  type DescField,
  type DescMethod,
  type FileRegistry,
  getOption,
  hasOption,
  type Message,
  ScalarType,
} from '@bufbuild/protobuf';
import { parse } from 'yaml';
import { parsePathTemplate, type PathTemplate } from './path-template';

/** One HTTP route a contract declares: a verb and path template bound to a gRPC method. */
export interface HttpRoute {
  readonly verb: string;
  readonly template: PathTemplate;
  readonly method: DescMethod;
  /** The HttpRule's `body`: '*', a field of the request, or none. */
  readonly body?: string;
  /** The HttpRule's `response_body`: the field of the response sent as the body, or the whole response. */
  readonly responseBody?: string;
  /** The request's fields a call must set (AIP-203's REQUIRED, or the service config's `required_fields`), by proto name. */
  readonly required: readonly string[];
  /** How a server stream's events are numbered and resumed (quartet.api.v1.event_stream), if it says. */
  readonly eventStream?: EventStreamRule;
}

/** A method's quartet.api.v1.event_stream option, its fields resolved. */
export interface EventStreamRule {
  /** The response's field each event's id is. */
  readonly idField: DescField;
  /** The request's field a reconnect sets to its Last-Event-ID plus one. */
  readonly resumeField: DescField;
  /** What one event carries, as errors name it. */
  readonly item: string;
}

/** A grpc-gateway service config: its HTTP rules, and the fields quartet reads as REQUIRED. */
export interface ServiceConfig {
  readonly rules: readonly Rule[];
  /** `package.Message.field` names. */
  readonly requiredFields: readonly string[];
}

/** An HttpRule as the service config (YAML) or the descriptor (a google.api.HttpRule) holds it. */
interface Rule {
  readonly selector?: string;
  readonly get?: string;
  readonly put?: string;
  readonly post?: string;
  readonly delete?: string;
  readonly patch?: string;
  readonly custom?: { readonly kind: string; readonly path: string };
  readonly body?: string;
  readonly responseBody?: string;
  readonly additionalBindings?: readonly Rule[];
}

export class HttpRuleError extends Error {}

const VERBS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * A grpc-gateway service config (`type: google.api.Service`, `http.rules`), the format a
 * contract uses whose .proto must stay as it is (helloworld's), with quartet's one key of its own,
 * `required_fields`, for what such a .proto cannot mark REQUIRED.
 */
export function readServiceConfig(yaml: string, source: string): ServiceConfig {
  const config = parse(yaml) as {
    type?: string;
    http?: { rules?: Record<string, unknown>[] };
    required_fields?: unknown;
  } | null;
  if (config?.type !== 'google.api.Service') {
    throw new HttpRuleError(`${source}: not a service config (type: google.api.Service)`);
  }
  const required = config.required_fields ?? [];
  if (!Array.isArray(required) || !required.every((name) => typeof name === 'string')) {
    throw new HttpRuleError(`${source}: required_fields must be a list of package.Message.field names`);
  }
  return {
    rules: (config.http?.rules ?? []).map((rule) => fromYaml(rule, source)),
    requiredFields: required as string[],
  };
}

function fromYaml(rule: Record<string, unknown>, source: string): Rule {
  const text = (key: string) => {
    const value = rule[key];
    if (value !== undefined && typeof value !== 'string')
      throw new HttpRuleError(`${source}: ${key} must be a string`);
    return value;
  };
  const custom = rule['custom'] as { kind?: unknown; path?: unknown } | undefined;
  return {
    selector: text('selector'),
    ...Object.fromEntries(VERBS.flatMap((verb) => (text(verb) === undefined ? [] : [[verb, text(verb)]]))),
    ...(custom === undefined ? {} : { custom: { kind: String(custom.kind), path: String(custom.path) } }),
    body: text('body'),
    responseBody: text('response_body'),
    additionalBindings: ((rule['additional_bindings'] as Record<string, unknown>[] | undefined) ?? []).map(
      (binding) => fromYaml(binding, source),
    ),
  };
}

/**
 * Every route the contracts declare: each method's inline `google.api.http` option, then the
 * service configs' rules by selector, additional bindings included. A rule for a method that
 * streams its requests, a selector that names no method, a bad template, a body or
 * response_body that names no field, two routes on one verb and template, and an event_stream
 * option that does not fit its method are refused.
 */
export function httpRoutes(registry: FileRegistry, configs: readonly ServiceConfig[] = []): HttpRoute[] {
  const http = registry.getExtension('google.api.http');
  const requiredNames = new Set(configs.flatMap((config) => config.requiredFields));
  const routes: HttpRoute[] = [];
  const add = (method: DescMethod, rule: Rule, nested = false) => {
    routes.push(routeOf(registry, method, rule, requiredNames));
    if (nested && (rule.additionalBindings ?? []).length > 0) {
      throw new HttpRuleError(`${method.parent.typeName}.${method.name}: additional_bindings cannot nest`);
    }
    for (const binding of rule.additionalBindings ?? []) add(method, binding, true);
  };
  for (const file of registry.files) {
    for (const service of file.services) {
      for (const method of service.methods) {
        if (!http) continue;
        const inline = getOption(method, http) as Message & Record<string, unknown>;
        const rule = ruleOfMessage(inline);
        if (rule) add(method, rule);
      }
    }
  }
  for (const rule of configs.flatMap((config) => config.rules)) {
    const method = methodNamed(registry, rule.selector ?? '');
    if (!method)
      throw new HttpRuleError(
        `the rule for ${rule.selector ?? '(no selector)'} names no method of the contracts`,
      );
    add(method, rule);
  }
  const seen = new Map<string, HttpRoute>();
  for (const route of routes) {
    const key = `${route.verb} ${route.template.source}`;
    const other = seen.get(key);
    if (other) {
      throw new HttpRuleError(
        `${key} is declared for both ${other.method.parent.typeName}.${other.method.name} and ${route.method.parent.typeName}.${route.method.name}`,
      );
    }
    seen.set(key, route);
  }
  return routes;
}

function routeOf(
  registry: FileRegistry,
  method: DescMethod,
  rule: Rule,
  requiredNames: ReadonlySet<string>,
): HttpRoute {
  const name = `${method.parent.typeName}.${method.name}`;
  if (method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming') {
    throw new HttpRuleError(`${name} streams its requests, which no HTTP rule can carry`);
  }
  const patterns = [
    ...VERBS.flatMap((verb) =>
      rule[verb] === undefined ? [] : [{ verb: verb.toUpperCase(), path: rule[verb] as string }],
    ),
    ...(rule.custom ? [{ verb: rule.custom.kind.toUpperCase(), path: rule.custom.path }] : []),
  ];
  if (patterns.length !== 1)
    throw new HttpRuleError(`${name}: a rule needs exactly one of get, put, post, delete, patch, custom`);
  const [{ verb, path }] = patterns as [{ verb: string; path: string }];
  const field = (fieldName: string | undefined, fields: readonly { name: string }[], what: string) => {
    if (!fieldName || fieldName === '*' || fields.some((candidate) => candidate.name === fieldName)) return;
    throw new HttpRuleError(`${name}: ${what} "${fieldName}" names no field`);
  };
  field(rule.body, method.input.fields, 'body');
  field(rule.responseBody, method.output.fields, 'response_body');
  if (rule.responseBody === '*') throw new HttpRuleError(`${name}: response_body names one field, not "*"`);
  const template = parsePathTemplate(path);
  const eventStream = eventStreamOf(registry, method);
  return {
    verb,
    template,
    method,
    ...(rule.body ? { body: rule.body } : {}),
    ...(rule.responseBody ? { responseBody: rule.responseBody } : {}),
    required: requiredFields(registry, method, requiredNames),
    ...(eventStream ? { eventStream } : {}),
  };
}

function requiredFields(
  registry: FileRegistry,
  method: DescMethod,
  requiredNames: ReadonlySet<string>,
): string[] {
  const behaviour = registry.getExtension('google.api.field_behavior');
  return method.input.fields
    .filter(
      (field) =>
        requiredNames.has(`${method.input.typeName}.${field.name}`) ||
        (behaviour !== undefined &&
          hasOption(field, behaviour) &&
          (getOption(field, behaviour) as unknown as readonly number[]).includes(FIELD_BEHAVIOR_REQUIRED)),
    )
    .map((field) => field.name);
}

/** google.api.FieldBehavior.REQUIRED. */
const FIELD_BEHAVIOR_REQUIRED = 2;

const WHOLE_NUMBERS = new Set([
  ScalarType.UINT32,
  ScalarType.UINT64,
  ScalarType.INT32,
  ScalarType.INT64,
  ScalarType.FIXED32,
  ScalarType.FIXED64,
]);

function eventStreamOf(registry: FileRegistry, method: DescMethod): EventStreamRule | undefined {
  const extension = registry.getExtension('quartet.api.v1.event_stream');
  if (!extension || !hasOption(method, extension)) return undefined;
  const name = `${method.parent.typeName}.${method.name}`;
  if (method.methodKind !== 'server_streaming') {
    throw new HttpRuleError(`${name}: event_stream is for server-streaming methods`);
  }
  const option = getOption(method, extension) as unknown as Record<string, string>;
  const wholeNumber = (fields: readonly DescField[], fieldName: string | undefined, what: string) => {
    const field = fields.find((candidate) => candidate.name === fieldName);
    if (field?.fieldKind !== 'scalar' || !WHOLE_NUMBERS.has(field.scalar)) {
      throw new HttpRuleError(
        `${name}: event_stream's ${what} "${fieldName ?? ''}" names no whole-number field`,
      );
    }
    return field;
  };
  return {
    idField: wholeNumber(method.output.fields, option['idField'], 'id_field'),
    resumeField: wholeNumber(method.input.fields, option['resumeField'], 'resume_field'),
    item: option['item'] || 'event',
  };
}

/** A google.api.HttpRule message (from a method's options) as a Rule, or undefined when it sets no pattern. */
function ruleOfMessage(message: Message & Record<string, unknown>): Rule | undefined {
  const pattern = message['pattern'] as { case?: string; value?: unknown } | undefined;
  if (!pattern?.case) return undefined;
  const value = pattern.value as string | { kind: string; path: string };
  const bindings = (message['additionalBindings'] as (Message & Record<string, unknown>)[] | undefined) ?? [];
  return {
    ...(pattern.case === 'custom'
      ? { custom: value as { kind: string; path: string } }
      : { [pattern.case]: value }),
    body: (message['body'] as string | undefined) || undefined,
    responseBody: (message['responseBody'] as string | undefined) || undefined,
    additionalBindings: bindings.flatMap((binding) => ruleOfMessage(binding) ?? []),
  };
}

function methodNamed(registry: FileRegistry, selector: string): DescMethod | undefined {
  const at = selector.lastIndexOf('.');
  return registry
    .getService(selector.slice(0, at))
    ?.methods.find((method) => method.name === selector.slice(at + 1));
}
