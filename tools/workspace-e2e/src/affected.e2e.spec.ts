import { workspaceRoot } from '@nx/devkit';
import { copyWorkspace, listed, type WorkspaceCopy } from './workspace-copy';

// `nx affected -t test` must run every test a change can break and nothing else: the e2e
// projects that run an app's build depend on that app in the project graph, and a unit test
// depends only on what its project imports. Proven on a copy of this workspace, one change at
// a time, as a user would see it before committing.

/** Projects whose tests run other projects' builds or the whole workspace, and what they run. */
const GATEWAY_STACK_TESTS = [
  'gateway-e2e',
  'deploy',
  'attacks-e2e',
  'security-e2e',
  'workspace-e2e',
  'bench',
  'soak',
];

describe('nx affected, in a copy of the workspace', () => {
  let copy: WorkspaceCopy;

  beforeAll(async () => {
    copy = await copyWorkspace(workspaceRoot);
  }, 120_000);

  afterAll(() => copy?.remove());

  afterEach(async () => {
    await copy.run('git', ['checkout', '--', '.']);
  });

  /** The projects `nx show projects --affected` lists after appending a line to `file`. */
  async function affectedBy(file: string, line: string): Promise<string[]> {
    await copy.run('sh', ['-c', `printf '%s\\n' "$1" >> "$2"`, 'append', line, file]);
    const { stdout } = await copy.nx('show', 'projects', '--affected', '--base=HEAD');
    return listed(stdout);
  }

  it('marks, for a change in the greeter, the greeter and the tests that run its build: no other service', async () => {
    await expect(affectedBy('apps/greeter/src/greeter/greeting.ts', '// a change')).resolves.toEqual(
      ['greeter', 'greeter-e2e', ...GATEWAY_STACK_TESTS].sort(),
    );
  }, 120_000);

  it('marks, for a change in the gateway’s code, the gateway and its e2e tests: no service', async () => {
    await expect(
      affectedBy('apps/gateway/src/transcoding/transcoded-routes.ts', '// a change'),
    ).resolves.toEqual(['gateway', ...GATEWAY_STACK_TESTS].sort());
  }, 120_000);

  it('marks, for a change in a contract, the contracts lib and every project that imports it', async () => {
    await expect(affectedBy('proto/ticker/v1/ticker.proto', '// a change')).resolves.toEqual(
      [
        'proto',
        'grpc-client',
        'grpc-server',
        'grpc-testing',
        'greeter',
        'ticker',
        'upload',
        'chat',
        'gateway',
        'greeter-e2e',
        'ticker-e2e',
        'upload-e2e',
        'chat-e2e',
        ...GATEWAY_STACK_TESTS,
      ].sort(),
    );
  }, 120_000);

  it('lets a unit test start at once, and makes an e2e test wait for the builds it runs', async () => {
    const targets = async (project: string) =>
      (
        JSON.parse((await copy.nx('show', 'project', project, '--json')).stdout) as {
          targets: Record<string, { dependsOn?: unknown[] }>;
        }
      ).targets;
    for (const app of ['greeter', 'ticker', 'upload', 'chat', 'gateway']) {
      expect((await targets(app))['test']?.dependsOn ?? []).toEqual([]);
    }
    expect((await targets('gateway-e2e'))['test']?.dependsOn).toEqual(['^build']);
    const { stdout } = await copy.nx('graph', '--print');
    const { graph } = JSON.parse(stdout) as {
      graph: { dependencies: Record<string, { target: string }[]> };
    };
    const dependencies = (project: string) => graph.dependencies[project]?.map(({ target }) => target).sort();
    expect(dependencies('gateway-e2e')).toEqual(
      expect.arrayContaining(['gateway', 'greeter', 'ticker', 'upload', 'chat']),
    );
    expect(dependencies('gateway')).toContain('web');
    expect(dependencies('gateway')).not.toContain('greeter');
  }, 120_000);
});
