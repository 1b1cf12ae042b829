import {
  experimental,
  Metadata,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';

const HEALTH_PREFIX = '/grpc.health.v1.Health/';

/** Refuses every call but grpc.health.v1's, before its handler starts. */
const healthOnly: ServerInterceptor = (method, next) => {
  if (method.path.startsWith(HEALTH_PREFIX)) return new ServerInterceptingCall(next);
  const call: ServerInterceptingCall = new ServerInterceptingCall(next, {
    start: (startNext) =>
      startNext({
        onReceiveMetadata: () =>
          call.sendStatus({
            code: status.PERMISSION_DENIED,
            details: `this port answers grpc.health.v1 only; ${method.path} is served on the service's own port`,
            metadata: new Metadata(),
          }),
      }),
  });
  return call;
};

/**
 * Plaintext credentials for a port that answers health checks and nothing else: Kubernetes's
 * gRPC probes speak no TLS, so a service that requires client certificates is probed here.
 */
export function healthOnlyCredentials(): ServerCredentials {
  return experimental.createServerCredentialsWithInterceptors(ServerCredentials.createInsecure(), [
    healthOnly,
  ]);
}
