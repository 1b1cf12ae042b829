import type { Server } from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer, loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { FILE_DESCRIPTOR_SET } from '@quartet/proto';
import { protoPath as healthProtoPath } from 'grpc-health-check';

const HEALTH_SERVICE = 'grpc.health.v1.Health';

/**
 * Server reflection (v1 and v1alpha) listing the services this server really serves and
 * grpc.health.v1.Health, from the descriptors embedded in @quartet/proto: no .proto file
 * has to ship beside the build.
 */
export function addReflection(server: Server, serviceNames: readonly string[]): void {
  const descriptors = {
    ...loadFileDescriptorSetFromBuffer(FILE_DESCRIPTOR_SET),
    ...loadSync(healthProtoPath),
  };
  new ReflectionService(descriptors, { services: [...serviceNames, HEALTH_SERVICE] }).addToServer(server);
}
