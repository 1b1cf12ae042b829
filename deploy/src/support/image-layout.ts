import { execFile } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { parseDockerfile, type Stage, stageEnv } from './dockerfile';

const run = promisify(execFile);

/** What an image would hold and run, laid out on disk under `root` (which stands for its `/`). */
export interface ImageLayout {
  readonly root: string;
  /** The final stage's WORKDIR, on disk. */
  readonly workdir: string;
  /** The final stage's ENV. */
  readonly env: Record<string, string>;
  /** The CMD, as an argument list. */
  readonly cmd: readonly string[];
}

/**
 * Follows a Dockerfile's COPY steps, from the workspace and between stages, with a folder per
 * stage, and runs its `npm ci` steps (from the npm cache when it can). Its other RUN steps
 * (mkdir, chown, npm cache clean) shape the image's own file system and are left out, so
 * that nothing here touches this machine's. Enough to show that the files an image gets are
 * the ones its app needs to start.
 */
export async function assembleImage(
  dockerfile: string,
  workspace: string,
  root: string,
  buildArgs: Readonly<Record<string, string>> = {},
): Promise<ImageLayout> {
  const stages = parseDockerfile(dockerfile, buildArgs);
  const roots = new Map<string, string>();
  let layout: ImageLayout | undefined;
  for (const [index, stage] of stages.entries()) {
    const [, name = String(index)] = /\bAS\s+(\S+)$/i.exec(stage.from) ?? [];
    const stageRoot = join(root, index === stages.length - 1 ? 'image' : `stage-${name}`);
    roots.set(name, stageRoot);
    layout = await runStage(stage, workspace, stageRoot, roots);
  }
  if (!layout) throw new Error('a Dockerfile without a stage');
  return layout;
}

async function runStage(
  stage: Stage,
  workspace: string,
  stageRoot: string,
  roots: ReadonlyMap<string, string>,
): Promise<ImageLayout> {
  let workdir = '/';
  let cmd: string[] = [];
  const onDisk = (path: string) => join(stageRoot, posix.resolve(workdir, path));
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, args);
      mkdirSync(onDisk('.'), { recursive: true });
    } else if (keyword === 'COPY') {
      const [, from, rest = args] = /^--from=(\S+)\s+(.*)$/.exec(args) ?? [];
      const paths = rest.split(/\s+/);
      const destination = paths.pop() ?? '';
      for (const source of paths) {
        const origin = from ? join(roots.get(from) ?? missingStage(from), source) : join(workspace, source);
        const target =
          destination.endsWith('/') && !source.endsWith('/')
            ? posix.join(destination, posix.basename(source))
            : destination;
        cpSync(origin, onDisk(target), { recursive: true });
      }
    } else if (keyword === 'RUN') {
      for (const step of args.split('&&').map((part) => part.trim())) {
        if (!step.startsWith('npm ci')) continue;
        const [, ...npmArgs] = step.split(/\s+/);
        await run('npm', [...npmArgs, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: onDisk('.') });
      }
    } else if (keyword === 'CMD') {
      cmd = JSON.parse(args) as string[];
    }
  }
  return { root: stageRoot, workdir: onDisk('.'), env: stageEnv(stage), cmd };
}

function missingStage(name: string): never {
  throw new Error(`COPY --from=${name}: no earlier stage of that name`);
}
