import { workspaceRoot } from '@nx/devkit';
import { copyWorkspace, type WorkspaceCopy } from './workspace-copy';

// `buf breaking` (nx lint proto) compares the contracts against where a branch left main, so a
// branch of many commits cannot slip a breaking change in before its last one.

describe('the base the contracts are checked against, in a copy of the workspace', () => {
  let copy: WorkspaceCopy;

  const base = async () => (await copy.run('node', ['tools/scripts/contracts-base.mjs'])).stdout.trim();
  const commitSomething = async (message: string) => {
    await copy.run('sh', ['-c', `echo "${message}" >> CHANGES.txt`]);
    return copy.commit(message);
  };

  beforeAll(async () => {
    copy = await copyWorkspace(workspaceRoot);
  }, 120_000);

  afterAll(() => copy?.remove());

  it('is none on a main with a single commit, so the check says it skipped', async () => {
    await expect(base()).resolves.toBe('none');
    const { stdout } = await copy.run('node', ['tools/scripts/check-contracts.mjs']);
    expect(stdout).toContain('buf breaking skipped');
  }, 120_000);

  it('is main’s previous commit on main', async () => {
    const next = await commitSomething('a second commit on main');
    expect(next).not.toBe(copy.base);
    await expect(base()).resolves.toBe(copy.base);
  }, 60_000);

  it('is the merge base with main on a branch, however many commits it has', async () => {
    const branchPoint = (await copy.run('git', ['rev-parse', 'HEAD'])).stdout.trim();
    await copy.run('git', ['checkout', '-q', '-b', 'feature']);
    await commitSomething('first on the branch');
    await commitSomething('second on the branch');
    await expect(base()).resolves.toBe(branchPoint);
  }, 60_000);

  it('is CONTRACTS_BASE when set', async () => {
    const { stdout } = await copy.run('sh', [
      '-c',
      'CONTRACTS_BASE=main~1 node tools/scripts/contracts-base.mjs',
    ]);
    expect(stdout.trim()).toBe(copy.base);
  }, 60_000);
});
