import catalogue from '../services.json';
import { replicaPorts } from './ports';

export type ServiceStyle = 'unary' | 'server-streaming' | 'client-streaming' | 'bidi';

/** One gRPC service of the workspace. */
export interface CatalogueService {
  readonly app: string;
  /** Where its first replica listens; replica i listens on port + i·replicaPortStep. */
  readonly port: number;
  readonly grpcService: string;
  readonly style: ServiceStyle;
  /** Set when its calls are safe to repeat: only then does a client retry them. */
  readonly idempotent?: boolean;
  /** The request header a proxy keeps a call's replica by, for services with state in memory. */
  readonly affinity?: string;
  /** Set when the gateway calls the service: the variable that points the gateway at it. */
  readonly targetVariable?: string;
}

export interface Catalogue {
  /** `npm start -- --replicas=N` puts replica i (from 0) on port + i·replicaPortStep. */
  readonly replicaPortStep: number;
  readonly maxReplicas: number;
  readonly services: readonly CatalogueService[];
  readonly gateway: { readonly app: string; readonly port: number };
  readonly proxy: { readonly port: number };
}

export const CATALOGUE: Catalogue = catalogue as Catalogue;

export function catalogueService(app: string): CatalogueService {
  const service = CATALOGUE.services.find((entry) => entry.app === app);
  if (!service) throw new Error(`${app} is not a service of the catalogue (libs/service-catalogue)`);
  return service;
}

/** The port an app listens on when PORT is not set. */
export function defaultPort(app: string): number {
  return app === CATALOGUE.gateway.app ? CATALOGUE.gateway.port : catalogueService(app).port;
}

/** Where replica `replica` (from 0) of a service listens under `npm start -- --replicas=N`. */
export function replicaPort(app: string, replica: number): number {
  const port = replicaPorts(catalogueService(app).port, CATALOGUE)[replica];
  if (port === undefined)
    throw new Error(`${app} has replicas 0 to ${CATALOGUE.maxReplicas - 1}, not ${replica}`);
  return port;
}

/** The variable that points the gateway at a service it calls: GREETER_TARGET, ... */
export function targetVariable(app: string): string {
  const variable = catalogueService(app).targetVariable;
  if (!variable)
    throw new Error(`the gateway does not call ${app}: its catalogue entry has no targetVariable`);
  return variable;
}

/** Where the gateway calls a service when its target variable is unset: the first replica, on loopback. */
export function localTarget(app: string): string {
  return `127.0.0.1:${catalogueService(app).port}`;
}

/** The services the gateway calls, in catalogue order. */
export function gatewayBackends(): readonly string[] {
  return CATALOGUE.services.filter((service) => service.targetVariable).map((service) => service.app);
}
