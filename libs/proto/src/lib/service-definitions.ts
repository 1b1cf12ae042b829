import * as generated from '../index.generated';
import type { GenericServiceDefinition } from './grpc-js';

function isServiceDefinition(value: unknown): value is GenericServiceDefinition {
  return typeof value === 'object' && value !== null && 'fullName' in value && 'methods' in value;
}

// Every service in proto/ is generated into this lib, so the catalogue can name a contract by its
// full name and nothing else needs a hand-kept list of the definitions.
const BY_FULL_NAME = new Map(
  Object.values(generated as Record<string, unknown>)
    .filter(isServiceDefinition)
    .map((definition) => [definition.fullName, definition]),
);

/** The generated definition of a service by its full name, as the catalogue gives it: `helloworld.Greeter`. */
export function serviceDefinition(fullName: string): GenericServiceDefinition {
  const definition = BY_FULL_NAME.get(fullName);
  if (!definition)
    throw new Error(`no contract in proto/ defines ${fullName} (was it generated into @quartet/proto?)`);
  return definition;
}
