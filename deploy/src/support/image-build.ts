import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const DEPLOY = join(__dirname, '..', '..');

/** How deploy/compose.yaml builds an app's image: the Dockerfile, from the workspace root, and its build arguments. */
export interface ImageBuild {
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
  /** The Dockerfile's text. */
  readonly text: string;
}

export function imageBuildOf(app: string): ImageBuild {
  const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true });
  const build = compose.services[app]?.build as
    { dockerfile: string; args?: Record<string, string> } | undefined;
  if (!build) throw new Error(`deploy/compose.yaml builds no image for ${app}`);
  const text = readFileSync(join(DEPLOY, '..', build.dockerfile), 'utf8');
  return { dockerfile: build.dockerfile, args: build.args ?? {}, text };
}
