#!/usr/bin/env node
// `node tools/scripts/run-ts.mjs <script> [args]`: runs a workspace script that imports the libs by
// their aliases (`@quartet/nginx`, ...) and their TypeScript as it is, with no build: the aliases
// come from tsconfig.base.json, as Jest's and webpack's do, and jiti compiles on the way in. So a
// script is typechecked with the libs it uses and the project graph sees every use.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createJiti } from 'jiti';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node tools/scripts/run-ts.mjs <script> [args]');
  process.exit(2);
}
const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const alias = Object.fromEntries(Object.entries(paths).map(([name, [target]]) => [name, join(root, target)]));
// The script sees its own name and arguments, as if node had run it.
process.argv = [process.argv[0], resolve(script), ...args];
await createJiti(pathToFileURL(join(root, 'package.json')).href, { alias }).import(resolve(script));
