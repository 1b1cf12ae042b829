import { randomInt } from 'node:crypto';

const NAME = /^[A-Za-z0-9_.-]{1,24}$/;
const SUFFIX_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const SUFFIX_LENGTH = 5;

/** Why a wished-for guest name cannot be used, or undefined when it can. */
export function guestNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'the body must be JSON such as {"user":"ann"}';
  if (!NAME.test(name))
    return `user ${JSON.stringify(name)} is not 1 to 24 of A-Z, a-z, 0-9, "-", "_" and "."`;
  return undefined;
}

/**
 * The chat user a guest becomes: the name asked for and a random suffix ("ann-k3v9x"). Two
 * guests who ask for the same name are still two users, and no gateway replica has to ask the
 * others which names are taken. 32^5 suffixes make a clash one in 33 million per pair.
 */
export function uniqueGuestName(name: string): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i += 1) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return `${name}-${suffix}`;
}
