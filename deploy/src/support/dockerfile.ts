/** One instruction of a Dockerfile, e.g. `{ keyword: 'COPY', args: '--from=deps /app/node_modules ./node_modules' }`. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** A build stage: its FROM line and the instructions after it. */
export interface Stage {
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

/**
 * The stages of a Dockerfile (comments dropped, continued lines joined, `${ARG}`s replaced by
 * the build arguments given); enough to check its shape.
 */
export function parseDockerfile(text: string, buildArgs: Readonly<Record<string, string>> = {}): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const declared = new Set<string>();
  const stages: { from: string; instructions: Instruction[] }[] = [];
  for (const line of logical) {
    const [, keyword = '', rawArgs = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'ARG') declared.add(rawArgs.split('=')[0] ?? '');
    const args = substitute(rawArgs, declared, buildArgs);
    if (upper === 'FROM') stages.push({ from: args, instructions: [] });
    else if (stages.length > 0) stages[stages.length - 1]?.instructions.push({ keyword: upper, args });
    else if (upper !== 'ARG') throw new Error(`${keyword} before the first FROM`);
  }
  return stages;
}

/** `${NAME}` replaced by its build argument, which must be declared by an ARG and given. */
function substitute(
  args: string,
  declared: ReadonlySet<string>,
  buildArgs: Readonly<Record<string, string>>,
): string {
  return args.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (!declared.has(name)) throw new Error(`\${${name}} is not declared by an ARG`);
    const value = buildArgs[name];
    if (value === undefined) throw new Error(`the build argument ${name} is not given`);
    return value;
  });
}

/** The ENV settings of a stage, from both `ENV A=1 B=2` and the old `ENV A 1` form. */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== 'ENV') continue;
    if (!args.includes('=')) {
      const [name = '', ...value] = args.split(/\s+/);
      env[name] = value.join(' ');
      continue;
    }
    for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) {
      env[match[1] ?? ''] = (match[2] ?? '').replace(/^"|"$/g, '');
    }
  }
  return env;
}
