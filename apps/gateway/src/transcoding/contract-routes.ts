import { createFileRegistry, type FileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { FILE_DESCRIPTOR_SET, HTTP_SERVICE_CONFIGS } from '@quartet/proto';
import { type HttpRoute, httpRoutes, readServiceConfig } from './http-routes';

let registry: FileRegistry | undefined;

/** Every contract of proto/, from the descriptor set `buf build` made of it (libs/proto). */
export function contractRegistry(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, FILE_DESCRIPTOR_SET));
  return registry;
}

/** The HTTP routes the contracts declare, inline and in their service configs. */
export function contractRoutes(): HttpRoute[] {
  return httpRoutes(
    contractRegistry(),
    HTTP_SERVICE_CONFIGS.map(({ source, yaml }) => readServiceConfig(yaml, source)),
  );
}
