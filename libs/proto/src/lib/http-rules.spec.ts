import { createFileRegistry, type DescMethod, fromBinary, getOption, type Message } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FILE_DESCRIPTOR_SET } from '../generated/file-descriptor-set';

const root = join(__dirname, '..', '..', '..', '..');
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, FILE_DESCRIPTOR_SET));
const http = registry.getExtension('google.api.http');

/** The google.api.http rule a method declares inline, as {verb, path}, or undefined. */
function inlineRule(methodName: string): { verb: string; path: string } | undefined {
  const [serviceName, method] = [
    methodName.slice(0, methodName.lastIndexOf('.')),
    methodName.slice(methodName.lastIndexOf('.') + 1),
  ];
  const found: DescMethod | undefined = registry
    .getService(serviceName)
    ?.methods.find((m) => m.name === method);
  if (!found || !http) throw new Error(`no method ${methodName} or no google.api.http`);
  const rule = getOption(found, http) as Message & { pattern: { case?: string; value?: unknown } };
  return rule.pattern.case === undefined
    ? undefined
    : { verb: rule.pattern.case, path: String(rule.pattern.value) };
}

describe('the contracts’ HTTP rules (google.api.http)', () => {
  it.each(['annotations.proto', 'field_behavior.proto', 'http.proto'])(
    'vendor google/api/%s byte for byte from google-proto-files',
    (file) => {
      expect(readFileSync(join(root, 'proto/google/api', file), 'utf8')).toBe(
        readFileSync(join(root, 'node_modules/google-proto-files/google/api', file), 'utf8'),
      );
    },
  );

  it('declare the ticker’s route inline, the one the gateway serves today', () => {
    expect(inlineRule('ticker.v1.TickerService.Watch')).toEqual({
      verb: 'get',
      path: '/api/ticker/{symbol}',
    });
  });

  it('give helloworld its route in a grpc-gateway service config beside its untouched proto', () => {
    const config = parse(readFileSync(join(root, 'proto/helloworld/helloworld.http.yaml'), 'utf8')) as {
      type: string;
      http: { rules: { selector: string; get?: string }[] };
      required_fields: string[];
    };
    expect(config.type).toBe('google.api.Service');
    expect(config.http.rules).toEqual([{ selector: 'helloworld.Greeter.SayHello', get: '/api/hello' }]);
    // What the quickstart's proto cannot mark REQUIRED itself; the field is one it has.
    expect(config.required_fields).toEqual(['helloworld.HelloRequest.name']);
    expect(registry.getMessage('helloworld.HelloRequest')?.fields.map((field) => field.name)).toContain(
      'name',
    );
    // The selector names a method the contracts have, which declares no rule of its own.
    expect(inlineRule('helloworld.Greeter.SayHello')).toBeUndefined();
  });
});
