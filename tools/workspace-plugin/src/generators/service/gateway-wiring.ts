import type { Tree } from '@nx/devkit';
import { isMap, isSeq, parseAllDocuments } from 'yaml';
import type { ServiceStyle } from './schema';
import type { ServiceNames } from './service-names';
import { addImplicitDependency } from './workspace-files';

type WiredService = ServiceNames & {
  readonly port: number;
  readonly targetVariable: string;
};

/** The styles a contract can declare an HTTP route for: one JSON answer, or a stream of them. */
export const GATEWAY_STYLES: readonly ServiceStyle[] = ['unary', 'server-streaming'];

export function gatewayProblem(style: ServiceStyle, gateway: boolean | undefined): string | undefined {
  return gateway && !GATEWAY_STYLES.includes(style)
    ? `--gateway wires ${GATEWAY_STYLES.join(' and ')} services only; a ${style} service needs a ` +
        'route designed for it (see the upload and chat routes in apps/gateway)'
    : undefined;
}

/**
 * Makes the gateway's e2e tests build the new service and points the gateway's deployments at
 * it. The route itself is the contract's (google.api.http), which the gateway transcodes; its
 * client of the service (calls, health in /readyz, metrics) comes from the catalogue entry's
 * target variable (addToDeployment).
 */
export function wireIntoGateway(tree: Tree, service: WiredService): void {
  const { name, port, targetVariable: variable } = service;
  addImplicitDependency(tree, 'apps/gateway-e2e/project.json', name);

  edit(tree, 'deploy/compose.yaml', (text) => {
    const [document] = parseAllDocuments(text);
    const environment = document?.getIn(['services', 'gateway', 'environment'], true);
    if (!document || !isMap(environment))
      throw new Error('deploy/compose.yaml: the gateway has no environment');
    environment.set(variable, `dns:///${name}:${port}`);
    return document.toString();
  });
  edit(tree, 'deploy/k8s/gateway.yaml', (text) =>
    parseAllDocuments(text)
      .map((document) => {
        if (document.get('kind') !== 'Deployment') return document.toString();
        const env = document.getIn(['spec', 'template', 'spec', 'containers', 0, 'env'], true);
        if (!isSeq(env)) throw new Error('deploy/k8s/gateway.yaml: the gateway container has no env');
        env.add(
          document.createNode({ name: variable, value: `dns:///${name}.quartet.svc.cluster.local:${port}` }),
        );
        return document.toString();
      })
      .join(''),
  );
}

function edit(tree: Tree, path: string, change: (text: string) => string): void {
  const text = tree.read(path, 'utf8');
  if (text === null) throw new Error(`${path} is missing: the gateway cannot be wired`);
  tree.write(path, change(text));
}
