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

/** The stages of a Dockerfile (comments dropped, continued lines joined); enough to check its shape. */
export function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: { from: string; instructions: Instruction[] }[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === 'FROM') stages.push({ from: args, instructions: [] });
    else if (stages.length === 0) throw new Error(`${keyword} before the first FROM`);
    else stages[stages.length - 1]?.instructions.push(instruction);
  }
  return stages;
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
