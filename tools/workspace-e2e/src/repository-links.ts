import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, normalize, relative, sep } from 'node:path';

/** A link or a path named in a file that does not lead anywhere. */
export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

/** The folders whose paths the docs and comments name, so that any mention of one is checked. */
const TOP_FOLDERS = ['apps', 'libs', 'tools', 'deploy', 'proto', 'docs'];
/**
 * A path from the repository's root, with an optional anchor: `libs/auth/src/index.ts`,
 * `docs/security.md#users-at-the-gateway`, `README.md`. The lookbehind leaves out the tails of
 * URLs and longer paths (`dist/apps/gateway`, `https://host/docs/x`).
 */
const REPOSITORY_PATH = new RegExp(
  String.raw`(?<![\w./@:-])((?:${TOP_FOLDERS.join('|')})/[\w./-]*|README\.md)(#[\w-]+)?`,
  'g',
);
const MARKDOWN_LINK = /!?\[[^\]]*\]\(([^)\s]+)\)/g;
const SLASH_COMMENT = /(?:^|\s)(?:\/\/|\/\*\*?|\*)\s(.*)$/;
const HASH_COMMENT = /(?:^|\s)#\s(.*)$/;

/** Every file git knows or would add, relative to `root`. */
export function repositoryFiles(root: string): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file !== '' && existsSync(join(root, file)));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/**
 * What the link check leaves out: paths that name files a generator would write (the docs' example
 * service), which exist only once someone runs it.
 */
export interface LinkCheckOptions {
  readonly examples?: RegExp;
}

/** The broken links of one Markdown file: relative links, anchors, and repository paths in its text. */
export function brokenMarkdownLinks(
  root: string,
  file: string,
  text: string,
  options: LinkCheckOptions = {},
): BrokenLink[] {
  const broken: BrokenLink[] = [];
  text.split('\n').forEach((line, index) => {
    for (const [, target] of line.matchAll(MARKDOWN_LINK)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [path, anchor] = target.split('#', 2);
      const resolved = path === '' ? file : relative(root, join(root, dirname(file), path));
      const reason = missing(root, resolved, anchor);
      if (reason) broken.push({ file, line: index + 1, target, reason });
    }
    broken.push(...brokenPaths(root, file, index + 1, line.replace(MARKDOWN_LINK, ''), options));
  });
  return broken;
}

/** The broken repository paths named in the comments of one source file. */
export function brokenCommentPaths(
  root: string,
  file: string,
  text: string,
  options: LinkCheckOptions = {},
): BrokenLink[] {
  const style = commentStyle(file);
  if (!style) return [];
  return text.split('\n').flatMap((line, index) => {
    const comment = style.exec(line)?.[1];
    return comment ? brokenPaths(root, file, index + 1, comment, options) : [];
  });
}

/** Which comment syntax a file uses, by its name; none for files that hold no comments to check. */
function commentStyle(file: string): RegExp | undefined {
  const name = file.replace(/\.template$/, '');
  if (/\.(?:[cm]?[jt]s|proto|css)$/.test(name)) return SLASH_COMMENT;
  if (/\.(?:ya?ml|conf|sh|py)$/.test(name) || /(?:^|\/)Dockerfile$/.test(name) || extname(name) === '') {
    return HASH_COMMENT;
  }
  return undefined;
}

function brokenPaths(
  root: string,
  file: string,
  line: number,
  text: string,
  { examples }: LinkCheckOptions,
): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const [, rawPath, anchor] of text.matchAll(REPOSITORY_PATH)) {
    // A sentence's full stop is not part of the path (a placeholder, `apps/<app>`, already ends it).
    const path = rawPath.replace(/[.]+$/, '');
    if (examples?.test(path)) continue;
    const reason = missing(root, path, anchor?.slice(1));
    if (reason) broken.push({ file, line, target: `${path}${anchor ?? ''}`, reason });
  }
  return broken;
}

function missing(root: string, path: string, anchor: string | undefined): string | undefined {
  const normalised = normalize(path);
  if (normalised.startsWith(`..${sep}`)) return 'leads out of the repository';
  if (!existsSync(join(root, normalised))) return 'no such file or folder';
  if (anchor === undefined || anchor === '') return undefined;
  if (!normalised.endsWith('.md')) return undefined;
  const anchors = headingAnchors(readFileSync(join(root, normalised), 'utf8'));
  return anchors.has(anchor) ? undefined : `no heading #${anchor} in ${normalised}`;
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}
