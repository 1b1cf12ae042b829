export const MAX_NAME_LENGTH = 256;

/** Why `name` cannot be greeted, or undefined when it can. Length counts characters, not bytes. */
export function nameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'name must not be empty';
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH) {
    return `name is ${length} characters long; at most ${MAX_NAME_LENGTH} are allowed`;
  }
  return undefined;
}

export function greeting(name: string): string {
  return `Hello ${name}`;
}
