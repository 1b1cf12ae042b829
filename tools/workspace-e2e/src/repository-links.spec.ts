import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { workspaceRoot } from '@nx/devkit';
import { brokenCommentPaths, brokenMarkdownLinks, headingAnchors, repositoryFiles } from './repository-links';

const GENERATED = 'libs/proto/src/generated/';
const SOURCE_FOLDERS = ['apps/', 'libs/', 'tools/', 'deploy/', 'proto/', '.ci/'];
/** The service the docs generate as an example; its files exist once someone runs the generator. */
const EXAMPLES = { examples: /order[-_]book|price[-_]feed/ };
/** This spec's own cases name missing paths on purpose. */
const THIS_SPEC = 'tools/workspace-e2e/src/repository-links.spec.ts';

describe('links and paths named in the README, docs/ and source comments', () => {
  const files = repositoryFiles(workspaceRoot);
  const read = (file: string) => readFileSync(join(workspaceRoot, file), 'utf8');

  it('lead to files, folders and headings that exist, from the README and every page of docs/', () => {
    const pages = files.filter((file) => file === 'README.md' || /^docs\/.*\.md$/.test(file));
    expect(pages.length).toBeGreaterThan(10);
    expect(pages.flatMap((page) => brokenMarkdownLinks(workspaceRoot, page, read(page), EXAMPLES))).toEqual(
      [],
    );
  });

  // The four services and their e2e projects are the layout's apps/<service> and apps/<app>-e2e.
  it('include every project in the layout of docs/workspace.md', () => {
    const layout = read('docs/workspace.md');
    const projectRoots = [
      ...new Set(
        files
          .filter((file) => file.endsWith('/project.json') && !file.includes('/files/'))
          .map((file) => dirname(file))
          .filter((root) => /^(apps|libs|tools)\/[^/]+$/.test(root)),
      ),
    ];
    expect(projectRoots.length).toBeGreaterThan(20);
    const unlisted = projectRoots.filter(
      (root) =>
        !layout.includes(root) && !/^apps\/(greeter|ticker|upload|chat|gateway-e2e)(-e2e)?$/.test(root),
    );
    expect(unlisted).toEqual([]);
  });

  it('lead to files and folders that exist, from every comment of the sources, scripts and configs', () => {
    const sources = files.filter(
      (file) =>
        SOURCE_FOLDERS.some((folder) => file.startsWith(folder)) &&
        !file.startsWith(GENERATED) &&
        file !== THIS_SPEC,
    );
    expect(sources.length).toBeGreaterThan(300);
    expect(sources.flatMap((file) => brokenCommentPaths(workspaceRoot, file, read(file), EXAMPLES))).toEqual(
      [],
    );
  });
});

describe('the link check itself', () => {
  let root: string;
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'quartet-links-'));
    write('docs/guide.md', '# The guide\n\n## Behind proxies: `TRUSTED_PROXIES`\n\n## Steps\n\n## Steps\n');
    write('libs/auth/src/index.ts', '');
    write('apps/greeter/src/main.ts', '');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("names headings' anchors as GitHub does", () => {
    expect([...headingAnchors(readFileSync(join(root, 'docs/guide.md'), 'utf8'))]).toEqual([
      'the-guide',
      'behind-proxies-trusted_proxies',
      'steps',
      'steps-1',
    ]);
  });

  it('finds a missing page, a missing anchor and a missing repository path in Markdown', () => {
    const page = [
      'See [the guide](guide.md#steps-1), [proxies](guide.md#behind-proxies-trusted_proxies) and [top](#the-guide).',
      'Broken: [gone](gone.md), [no anchor](guide.md#limits), `libs/auth/src/missing.ts`.',
      'Fine: `libs/auth/src/index.ts`, `apps/<app>` and https://example.com/docs/nowhere.md.',
    ].join('\n');
    write('docs/index.md', `# The guide\n${page}`);

    expect(brokenMarkdownLinks(root, 'docs/index.md', `# The guide\n${page}`)).toEqual([
      { file: 'docs/index.md', line: 3, target: 'gone.md', reason: 'no such file or folder' },
      {
        file: 'docs/index.md',
        line: 3,
        target: 'guide.md#limits',
        reason: 'no heading #limits in docs/guide.md',
      },
      {
        file: 'docs/index.md',
        line: 3,
        target: 'libs/auth/src/missing.ts',
        reason: 'no such file or folder',
      },
    ]);
  });

  it('finds a missing path or anchor in a comment, and leaves code and URLs alone', () => {
    const source = [
      "const path = 'libs/auth/src/not-a-comment.ts';",
      '// see docs/guide.md#steps and libs/auth/src/index.ts.',
      '/** see docs/guide.md#limits */',
      ' * and libs/gone/src/index.ts, not https://github.com/nrwl/nx/tools/missing.ts',
    ].join('\n');

    expect(brokenCommentPaths(root, 'apps/x/src/main.ts', source)).toEqual([
      {
        file: 'apps/x/src/main.ts',
        line: 3,
        target: 'docs/guide.md#limits',
        reason: 'no heading #limits in docs/guide.md',
      },
      {
        file: 'apps/x/src/main.ts',
        line: 4,
        target: 'libs/gone/src/index.ts',
        reason: 'no such file or folder',
      },
    ]);
    expect(brokenCommentPaths(root, 'deploy/k8s/x.yaml', 'kind: Pod # see docs/gone.md')).toEqual([
      { file: 'deploy/k8s/x.yaml', line: 1, target: 'docs/gone.md', reason: 'no such file or folder' },
    ]);
  });
});
