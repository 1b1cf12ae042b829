import { names } from '@nx/devkit';
import type { ServiceStyle } from './schema';

export const STYLES: readonly ServiceStyle[] = ['unary', 'server-streaming', 'client-streaming', 'bidi'];

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_LENGTH = 40;
/** Names the workspace itself uses: projects, folders and the paths the proxy answers itself. */
const RESERVED = new Set(['gateway', 'web', 'deploy', 'tools', 'proto', 'grpc', 'health', 'reflection']);

/** Every name a service goes by, from its kebab-case name: `order-book` → `OrderBookService` in `order_book.v1`. */
export interface ServiceNames {
  /** kebab-case: the app, its folder, its Nx project and its scope tag. */
  readonly name: string;
  readonly className: string;
  readonly propertyName: string;
  readonly constantName: string;
  /** snake_case: the proto package's folder, as buf's PACKAGE_LOWER_SNAKE_CASE wants it. */
  readonly protoName: string;
  readonly protoPackage: string;
  /** The gRPC service, as it appears in paths: `order_book.v1.OrderBookService`. */
  readonly grpcService: string;
  /** The gateway's variable for where the service listens: `ORDER_BOOK_TARGET`. */
  readonly targetVariable: string;
}

export function serviceNames(name: string): ServiceNames {
  const { className, propertyName, constantName } = names(name);
  const protoName = name.replace(/-/g, '_');
  const protoPackage = `${protoName}.v1`;
  return {
    name,
    className,
    propertyName,
    constantName,
    protoName,
    protoPackage,
    grpcService: `${protoPackage}.${className}Service`,
    targetVariable: `${constantName}_TARGET`,
  };
}

/** Why `name` cannot name a new service, or undefined when it can. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'give the new service a name, e.g. `order-book`';
  if (!KEBAB.test(name)) {
    return (
      `"${name}" is not a valid service name: use kebab-case, a lowercase letter first, then ` +
      'lowercase letters, digits and single hyphens (e.g. order-book)'
    );
  }
  if (name.length > MAX_LENGTH)
    return `"${name}" is ${name.length} characters long; at most ${MAX_LENGTH} are allowed`;
  if (RESERVED.has(name)) return `"${name}" is a name the workspace itself uses; choose another`;
  return undefined;
}

export function styleProblem(style: unknown): string | undefined {
  return STYLES.includes(style as ServiceStyle)
    ? undefined
    : `--style must be one of ${STYLES.join(', ')}; got ${JSON.stringify(style)}`;
}
