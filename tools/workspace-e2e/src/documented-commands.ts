import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One command of a ```sh block in the README or docs/, with the answer its comment promises. */
export interface DocumentedCommand {
  readonly file: string;
  readonly command: string;
  /** The comment after it, e.g. `200 {"message":"Hello you"}`. */
  readonly comment: string;
}

/** Every command the README and docs/*.md show in ```sh blocks, in order. */
export function documentedCommands(root: string): DocumentedCommand[] {
  const files = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  return files.flatMap((file) => commandsIn(file, readFileSync(join(root, file), 'utf8')));
}

function commandsIn(file: string, markdown: string): DocumentedCommand[] {
  const commands: DocumentedCommand[] = [];
  let inShell = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) {
      inShell = !inShell && line.trim() === '```sh';
      continue;
    }
    if (!inShell || line.trim() === '' || line.trimStart().startsWith('#')) continue;
    // A comment is set off by two spaces or more, so a `#` inside a URL or quotes stays.
    const [command = '', comment = ''] = line.split(/\s{2,}#\s?/, 2);
    commands.push({ file, command: command.trim(), comment: comment.trim() });
  }
  return commands;
}

/** What a comment promises of an HTTP answer: its status first, and any JSON in it verbatim. */
export function promisedAnswer(comment: string): { status?: number; json?: string } {
  const status = /^(\d{3})\b/.exec(comment)?.[1];
  const json = /\{.*\}/.exec(comment)?.[0];
  return {
    ...(status ? { status: Number(status) } : {}),
    ...(json && !json.includes('…') ? { json } : {}),
  };
}
