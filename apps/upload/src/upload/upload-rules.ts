export const MAX_NAME_BYTES = 255;

/** Why `name` is not a plain file name that can be stored as given, or undefined when it is. */
export function fileNameProblem(name: string): string | undefined {
  const shown = JSON.stringify(name.slice(0, 80));
  if (name === '') return 'info.name must not be empty';
  if (name === '.' || name === '..') return `info.name ${shown} is not a file name`;
  if (/[/\\]/.test(name)) return `info.name ${shown} must be a plain file name, without "/" or "\\"`;
  // A lone surrogate (possible in a JS caller, not from the wire) would be stored as U+FFFD.
  if (/\p{Surrogate}/u.test(name)) return `info.name ${shown} is not well-formed Unicode`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return `info.name ${shown} must not contain control characters`;
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES)
    return `info.name is ${bytes} bytes long; at most ${MAX_NAME_BYTES} are allowed`;
  return undefined;
}
