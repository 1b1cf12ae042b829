import type { Server } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';

/** grpc.health.v1.Health for the server as a whole ('') and for each service it serves. */
export class HealthStatus {
  private readonly health: HealthImplementation;

  constructor(private readonly services: readonly string[]) {
    this.health = new HealthImplementation(
      Object.fromEntries(['', ...services].map((service) => [service, 'NOT_SERVING' as ServingStatus])),
    );
  }

  addToServer(server: Server): void {
    this.health.addToServer(server);
  }

  setAll(status: ServingStatus): void {
    for (const service of ['', ...this.services]) this.health.setStatus(service, status);
  }
}
