import { type Tree, updateJson } from '@nx/devkit';
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import type { Catalogue, ServiceStyle } from '@quartet/service-catalogue';
import type { ServiceNames } from './service-names';

/** The image every plain gRPC service is built from, its app given as the build argument APP. */
export const SERVICE_DOCKERFILE = 'deploy/service.Dockerfile';

/** The one list of the services and their ports, which the apps, scripts and deploy tests read. */
export const CATALOGUE = 'libs/service-catalogue/src/services.json';

type NewService = ServiceNames & { readonly port: number; readonly style: ServiceStyle };

/** Puts the service in the catalogue, in the builds the deploy tests need, and in compose and Kubernetes. */
export function addToDeployment(tree: Tree, service: NewService, calledByGateway: boolean): void {
  updateJson<Catalogue>(tree, CATALOGUE, (catalogue) => ({
    ...catalogue,
    services: [
      ...catalogue.services,
      {
        app: service.name,
        port: service.port,
        grpcService: service.grpcService,
        style: service.style,
        // The generated unary call only echoes, so a client may repeat it.
        ...(service.style === 'unary' ? { idempotent: true } : {}),
        ...(calledByGateway ? { targetVariable: service.targetVariable } : {}),
      },
    ],
  }));
  // The deploy tests run every service of the catalogue from its build.
  addImplicitDependency(tree, 'deploy/project.json', service.name);
  updateYaml(tree, 'deploy/k8s/kustomization.yaml', (document) => {
    document.addIn(['resources'], `${service.name}.yaml`);
    document.addIn(['images'], { name: `quartet/${service.name}`, newTag: 'latest' });
  });
  updateYaml(tree, 'deploy/compose.yaml', (document) => {
    const shared = document.get('x-grpc-service', true);
    if (!isMap(shared))
      throw new Error('deploy/compose.yaml: x-grpc-service, the settings every service shares, is missing');
    const entry = document.createNode({
      build: { context: '..', dockerfile: SERVICE_DOCKERFILE, args: { APP: service.name } },
      image: `quartet/${service.name}`,
      deploy: { replicas: 2 },
    }) as YAMLMap;
    entry.items.unshift(document.createPair('<<', document.createAlias(shared)));
    document.setIn(['services', service.name], entry);
    for (const key of ['build', 'deploy']) {
      const value = entry.get(key, true);
      if (isMap(value)) value.flow = true;
    }
    const added = document.getIn(['services'], true);
    if (isMap(added)) {
      const key = added.items.at(-1)?.key;
      if (isScalar(key)) key.spaceBefore = true;
    }
    // nginx resolves every upstream's name when it starts: it waits for the new service too.
    const proxyDependencies = document.getIn(['services', 'proxy', 'depends_on'], true);
    if (isSeq(proxyDependencies)) proxyDependencies.add(service.name);
  });
}

/** Makes a project depend on `dependency` in the project graph: its tests run that app's build. */
export function addImplicitDependency(tree: Tree, projectJson: string, dependency: string): void {
  if (!tree.exists(projectJson)) throw new Error(`${projectJson} is missing`);
  updateJson<{ implicitDependencies?: string[] }>(tree, projectJson, (project) => ({
    ...project,
    implicitDependencies: [...(project.implicitDependencies ?? []), dependency],
  }));
}

function updateYaml(
  tree: Tree,
  path: string,
  update: (document: ReturnType<typeof parseDocument>) => void,
): void {
  const text = tree.read(path, 'utf8');
  if (text === null) throw new Error(`${path} is missing`);
  const document = parseDocument(text, { merge: true });
  update(document);
  tree.write(path, document.toString());
}
