/**
 * An HttpRule path template (google/api/http.proto, AIP-127), parsed once and matched against
 * request paths:
 *
 *     Template = "/" Segments [ ":" Verb ] ;   Segment = "*" | "**" | LITERAL | Variable ;
 *     Variable = "{" FieldPath [ "=" Segments ] "}" ;   FieldPath = IDENT { "." IDENT } ;
 *
 * `{name}` is `{name=*}`. `*` takes one segment, `**` any number (it must come last). A value
 * that spans one segment is percent-decoded whole; one that spans several keeps `%2F` as it
 * is, so that a decoded value cannot invent a segment boundary (the spec's rule).
 */
export interface PathTemplate {
  /** The template as written. */
  readonly source: string;
  /** The field paths it binds, in order: `name`, `book.shelf`. */
  readonly variables: readonly string[];
  readonly verb?: string;
  /**
   * The Fastify route path that takes every path the template matches (and maybe more): its
   * literals and `{name}` variables as `:name`, the rest from the first other part as `*`. It
   * is the route's name in metrics and spans; `match` decides.
   */
  readonly routerPath: string;
  /** The field values in `path` (its raw, still percent-encoded form), or undefined if it does not match. */
  match(path: string): Record<string, string> | undefined;
}

type Part = { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'one' | 'many' };

/** A template's segments, flattened; each variable covers the parts from `from` to `to`. */
interface Parsed {
  readonly parts: readonly Part[];
  readonly groups: readonly { variable: string; from: number; to: number }[];
  readonly verb?: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LITERAL = /^[A-Za-z0-9\-._~!$&'()+,;=@]+$/;

export class PathTemplateError extends Error {}

export function parsePathTemplate(source: string): PathTemplate {
  const parsed = parse(source);
  return {
    source,
    variables: parsed.groups.map((group) => group.variable),
    verb: parsed.verb,
    routerPath: routerPath(parsed),
    match: (path) => match(parsed, path),
  };
}

function routerPath({ parts, groups, verb }: Parsed): string {
  const segments: string[] = [];
  for (const [at, part] of parts.entries()) {
    const group = groups.find(({ from }) => from === at);
    const simple = group && group.to === at + 1 && part.kind === 'one' && IDENT.test(group.variable);
    const last = at === parts.length - 1;
    // A verb (`:cancel`) after the last segment would read as a Fastify parameter.
    if (part.kind === 'literal' && !(last && verb !== undefined)) segments.push(part.text);
    else if (simple && !(last && verb !== undefined)) segments.push(`:${group.variable}`);
    else return `/${[...segments, '*'].join('/')}`;
  }
  return `/${segments.join('/')}`;
}

function parse(source: string): Parsed {
  const fail = (why: string): never => {
    throw new PathTemplateError(`path template ${JSON.stringify(source)}: ${why}`);
  };
  if (!source.startsWith('/')) fail('it must start with "/"');
  let body = source.slice(1);
  let verb: string | undefined;
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.lastIndexOf('}') < lastColon) {
    verb = body.slice(lastColon + 1);
    body = body.slice(0, lastColon);
    if (!LITERAL.test(verb)) fail(`verb ${JSON.stringify(verb)} is no literal`);
  }
  const parts: Part[] = [];
  const groups: { variable: string; from: number; to: number }[] = [];
  for (const segment of splitTopLevel(body, fail)) {
    if (segment.startsWith('{')) {
      if (!segment.endsWith('}')) fail(`${segment} is not closed`);
      const inner = segment.slice(1, -1);
      const equals = inner.indexOf('=');
      const variable = equals < 0 ? inner : inner.slice(0, equals);
      if (!variable.split('.').every((name) => IDENT.test(name)))
        fail(`${JSON.stringify(variable)} is no field path`);
      if (groups.some((group) => group.variable === variable)) fail(`${variable} is bound twice`);
      const own = equals < 0 ? ['*'] : inner.slice(equals + 1).split('/');
      const from = parts.length;
      for (const piece of own) {
        if (piece.includes('{')) fail(`variables cannot nest (${segment})`);
        parts.push(partOf(piece, fail));
      }
      groups.push({ variable, from, to: parts.length });
    } else {
      parts.push(partOf(segment, fail));
    }
  }
  const many = parts.findIndex((part) => part.kind === 'many');
  if (many >= 0 && many !== parts.length - 1) fail('"**" must be the last segment');
  return { parts, groups, verb };
}

function partOf(piece: string, fail: (why: string) => never): Part {
  if (piece === '*') return { kind: 'one' };
  if (piece === '**') return { kind: 'many' };
  if (!LITERAL.test(piece)) fail(`${JSON.stringify(piece)} is no literal segment`);
  return { kind: 'literal', text: piece };
}

/** The segments of a template body, "/" inside braces kept with their variable. */
function splitTopLevel(body: string, fail: (why: string) => never): string[] {
  const segments: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of body) {
    if (char === '{') depth += 1;
    if (char === '}') depth -= 1;
    if (depth < 0 || depth > 1) fail('unbalanced braces');
    if (char === '/' && depth === 0) {
      segments.push(current);
      current = '';
    } else current += char;
  }
  if (depth !== 0) fail('unbalanced braces');
  segments.push(current);
  if (segments.some((segment) => segment === '')) fail('empty segment');
  return segments;
}

function match(parsed: Parsed, rawPath: string): Record<string, string> | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  let body = rawPath.slice(1);
  if (parsed.verb !== undefined) {
    if (!body.endsWith(`:${parsed.verb}`)) return undefined;
    body = body.slice(0, -parsed.verb.length - 1);
  }
  const segments = body.split('/');
  const taken: string[][] = [];
  let at = 0;
  for (const part of parsed.parts) {
    if (part.kind === 'many') {
      const rest = segments.slice(at);
      // Zero segments or more, but no empty one: `/v1/` is not `/v1`.
      if (rest.includes('')) return undefined;
      taken.push(rest);
      at = segments.length;
      break;
    }
    const segment = segments[at];
    if (segment === undefined || segment === '') return undefined;
    if (part.kind === 'literal' && decodeOrUndefined(segment) !== part.text) return undefined;
    taken.push([segment]);
    at += 1;
  }
  if (at !== segments.length || taken.flat().some((segment) => decodeOrUndefined(segment) === undefined)) {
    return undefined;
  }
  const bindings: Record<string, string> = {};
  for (const { variable, from, to } of parsed.groups) {
    const raw = taken.slice(from, to).flat();
    const single = to - from === 1 && parsed.parts[from]?.kind === 'one';
    bindings[variable] = single
      ? (decodeOrUndefined(raw[0] ?? '') ?? '')
      : raw.map((segment) => decodeOrUndefined(segment.replace(/%2F/gi, '%252F')) ?? '').join('/');
  }
  return bindings;
}

function decodeOrUndefined(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
