/** The environment as read at start; each app's config.ts is the only place that passes `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Thrown by EnvReader.done(): every bad variable, each by name, in one message. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads typed values out of the environment, collecting every problem so that one start
 * reports all of them at once instead of one per attempt.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Environment) {}

  string(name: string, fallback: string, pattern?: RegExp, rule?: string): string {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (pattern && !pattern.test(raw)) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not ${rule ?? `matching ${pattern}`}`);
      return fallback;
    }
    return raw;
  }

  /** A value with no default, such as a file path; undefined when unset or blank. */
  optional(name: string): string | undefined {
    return this.raw(name);
  }

  /** A URL with one of `protocols` ('https:', ...), or undefined when unset. */
  optionalUrl(name: string, protocols: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!URL.canParse(value) || !protocols.includes(new URL(value).protocol)) {
      const schemes = protocols.map((protocol) => protocol.replace(':', '')).join(' or ');
      this.problems.push(`${name}=${JSON.stringify(value)} is not a URL of scheme ${schemes}`);
      return undefined;
    }
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, fallback: T, choices: readonly T[]): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!(choices as readonly string[]).includes(raw)) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not one of ${choices.join(', ')}`);
      return fallback;
    }
    return raw as T;
  }

  /** Records a problem found by a check of the caller's own; it names the variable itself. */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws a ConfigError naming every bad variable read so far. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }
}
