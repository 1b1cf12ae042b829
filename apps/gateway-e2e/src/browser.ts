import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

// Debian's chromium package (tools/scripts/system-deps.sh); /usr/bin/chromium is a shell
// wrapper around this binary.
const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((path) => existsSync(path));

/** Headless Chromium with nothing of its own on the network. */
export function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('chromium is missing: run tools/scripts/system-deps.sh');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Signs in as a guest through the sign-in bar; resolves with the user the gateway made of `name`. */
export async function signIn(page: Page, name: string): Promise<string> {
  await page.fill('#session-form input[name=user]', name);
  await page.click('#session-toggle');
  await page.waitForFunction(() =>
    document.querySelector('#session-status')?.textContent?.startsWith('Signed in as '),
  );
  const status = (await page.textContent('#session-status')) ?? '';
  return status.slice('Signed in as '.length, -1);
}

/** Joins `room` in the chat card and waits until posting is possible. */
export async function joinRoom(page: Page, room: string): Promise<void> {
  await page.fill('#chat-join input[name=room]', room);
  await page.click('#chat-toggle');
  await page.waitForFunction(() => !document.querySelector<HTMLInputElement>('#chat-post input')?.disabled);
}

export async function say(page: Page, text: string): Promise<void> {
  await page.fill('#chat-post input[name=text]', text);
  await page.click('#chat-post button');
}

/** The texts of the chat's messages, as the page shows them. */
export function chatLines(page: Page): Promise<(string | null)[]> {
  return page.$$eval('#chat-messages li .text', (items) => items.map((i) => i.textContent));
}

/** Waits until the chat card lists exactly `users` as here. */
export async function membersShown(page: Page, users: readonly string[]): Promise<void> {
  await page.waitForFunction(
    (expected) => document.querySelector('#chat-members')?.textContent === expected,
    `Here: ${users.join(', ')}`,
  );
}
