import { BadRequestException } from '@nestjs/common';

/** A parsed query string: a parameter given twice is an array. */
export type Query = Record<string, string | string[] | undefined>;

/** The parameter, given exactly once (it may be empty: what an empty value means is the backend's to say). */
export function requiredParam(query: Query, name: string): string {
  const value = query[name];
  if (typeof value !== 'string') throw new BadRequestException(`query parameter "${name}" is required, once`);
  return value;
}

/** A whole number from 0 to `max`, or `fallback` when the parameter is absent. */
export function wholeNumberParam(query: Query, name: string, fallback: number, max = 0xffff_ffff): number {
  const value = query[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value) || Number(value) > max) {
    throw new BadRequestException(
      `query parameter "${name}" must be given once, as a whole number from 0 to ${max}`,
    );
  }
  return Number(value);
}
