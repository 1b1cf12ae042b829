import {
  type ChannelCredentials,
  type ChannelOptions,
  type ClientReadableStream,
  experimental,
} from '@grpc/grpc-js';
import { clientChannelOptions } from './channel-options';
import { type HealthClient, healthClient, type ServingStatus } from './health-client';

type Endpoint = experimental.Endpoint;
type GrpcUri = experimental.GrpcUri;
type ResolverListener = experimental.ResolverListener;

const SCHEME = 'quartet-health-aware';
const REWATCH_MS = 1_000;

/** What the resolver needs to ask each replica of a target how it is. */
export interface HealthAwareOptions {
  /** The service whose grpc.health.v1 status decides: a replica NOT_SERVING it gets no calls. */
  readonly service: string;
  readonly credentials: ChannelCredentials;
  /** The name the replicas' certificates hold, when TLS is on and the target is not that name. */
  readonly serverName?: string;
  /** Told of every change of a replica's status, for logs and metrics. */
  onChange?(address: string, status: ServingStatus | 'UNCHECKED'): void;
}

const registered = new Map<string, HealthAwareOptions>();

/**
 * A grpc-js target that resolves `target` as grpc-js would (dns:, ipv4:, ipv6:, host:port)
 * and then leaves out every replica that reports NOT_SERVING (or SERVICE_UNKNOWN) for the
 * service on grpc.health.v1, which grpc-js does not check itself. Each replica is watched
 * (Health/Watch), so one that recovers is back in the list as soon as it says SERVING. A
 * replica that cannot be asked stays in: grpc-js's own connection handling covers it. When
 * every replica reports NOT_SERVING, all are kept, since refusing every call would be worse.
 */
export function healthAwareTarget(target: string, options: HealthAwareOptions): string {
  if (!registered.size) experimental.registerResolver(SCHEME, HealthAwareResolver);
  const id = `t${registered.size + 1}`;
  registered.set(id, options);
  return `${SCHEME}://${id}/${target}`;
}

/** The resolver behind healthAwareTarget: a grpc-js resolver that filters another's results. */
class HealthAwareResolver implements experimental.Resolver {
  private readonly options: HealthAwareOptions;
  private readonly inner: experimental.Resolver;
  private readonly authority: string;
  private readonly watches = new Map<string, ReplicaWatch>();
  private endpoints: Endpoint[] = [];
  private lastResult?: Parameters<ResolverListener>;

  constructor(
    target: GrpcUri,
    private readonly listener: ResolverListener,
    channelOptions: ChannelOptions,
  ) {
    const options = registered.get(target.authority ?? '');
    if (!options) throw new Error(`${SCHEME}: no target registered as ${target.authority}`);
    this.options = options;
    const inner = innerTarget(target.path);
    this.authority = HealthAwareResolver.getDefaultAuthority(target);
    this.inner = experimental.createResolver(
      inner,
      (endpoints, attributes, serviceConfig, note) => {
        if (!endpoints.ok) return this.listener(endpoints, attributes, serviceConfig, note);
        this.endpoints = endpoints.value;
        this.lastResult = [endpoints, attributes, serviceConfig, note];
        this.watchEvery(this.endpoints.map(addressOf));
        return this.report();
      },
      channelOptions,
    );
  }

  static getDefaultAuthority(target: GrpcUri): string {
    const inner = innerTarget(target.path);
    // As grpc-js's own resolvers do: the first address of a list, the name of a dns target.
    return inner.scheme === 'dns' ? inner.path : (inner.path.split(',')[0] as string);
  }

  updateResolution(): void {
    this.inner.updateResolution();
  }

  destroy(): void {
    this.inner.destroy();
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
  }

  /** Hands the channel the replicas that are not known to be out of service. */
  private report(): boolean {
    if (!this.lastResult) return false;
    const [, attributes, serviceConfig, note] = this.lastResult;
    const serving = this.endpoints.filter((endpoint) => !this.watches.get(addressOf(endpoint))?.outOfService);
    const chosen = serving.length > 0 ? serving : this.endpoints;
    return this.listener(experimental.statusOrFromValue(chosen), attributes, serviceConfig, note);
  }

  private watchEvery(addresses: readonly string[]): void {
    for (const [address, watch] of this.watches) {
      if (addresses.includes(address)) continue;
      watch.stop();
      this.watches.delete(address);
    }
    for (const address of addresses) {
      if (this.watches.has(address)) continue;
      const host = this.authority.slice(0, this.authority.lastIndexOf(':')).replace(/^\[|\]$/g, '');
      const watch = new ReplicaWatch(address, this.options, this.options.serverName ?? host, (changed) => {
        this.options.onChange?.(address, changed);
        this.report();
      });
      this.watches.set(address, watch);
    }
  }
}

/** One replica's grpc.health.v1 status, kept current by a Health/Watch stream. */
class ReplicaWatch {
  status: ServingStatus | 'UNCHECKED' = 'UNKNOWN';
  private readonly client: HealthClient;
  private stream?: ClientReadableStream<{ status: ServingStatus }>;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    address: string,
    private readonly options: HealthAwareOptions,
    serverName: string,
    private readonly changed: (status: ServingStatus | 'UNCHECKED') => void,
  ) {
    const target = address.startsWith('[') ? `ipv6:${address}` : `ipv4:${address}`;
    this.client = healthClient(
      target,
      { ...clientChannelOptions(), 'grpc.ssl_target_name_override': serverName },
      options.credentials,
    );
    this.watch();
  }

  get outOfService(): boolean {
    return this.status === 'NOT_SERVING' || this.status === 'SERVICE_UNKNOWN';
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stream?.cancel();
    this.client.close();
  }

  private watch(): void {
    const stream = this.client.watch({ service: this.options.service });
    this.stream = stream;
    stream.on('data', ({ status }: { status: ServingStatus }) => this.set(status));
    // A replica that cannot be asked (down, or behind a proxy that routes no health checks) is
    // grpc-js's to handle.
    stream.on('error', () => this.set('UNCHECKED'));
    stream.on('status', () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => this.watch(), REWATCH_MS).unref();
    });
  }

  private set(status: ServingStatus | 'UNCHECKED'): void {
    if (this.stopped || status === this.status) return;
    this.status = status;
    this.changed(status);
  }
}

function addressOf(endpoint: Endpoint): string {
  return experimental.subchannelAddressToString(endpoint.addresses[0] as experimental.SubchannelAddress);
}

/** The target inside ours, as a grpc-js URI; a bare host:port is a dns target, as grpc-js takes it. */
function innerTarget(path: string): GrpcUri {
  const scheme = /^(dns|ipv4|ipv6):(?:\/\/([^/]*)\/)?(.*)$/.exec(path);
  if (scheme) return { scheme: scheme[1] as string, authority: scheme[2], path: scheme[3] as string };
  return { scheme: 'dns', authority: undefined, path };
}
