import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@nx/devkit';
import type { Browser, Page } from 'playwright-core';
import { chatLines as lines, joinRoom, launchChromium, membersShown, say, signIn } from './browser';
import { type GatewayStack, startGatewayStack, type TestGateway } from './fixture';

const LIST_MAX = 2;
const SCREENSHOTS = join(workspaceRoot, 'reports', 'apps', 'gateway', 'screenshots');

describe('the web page in Chromium', () => {
  let stack: GatewayStack;
  let gateway: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    // Rooms above two users get their count instead of presence: three tabs make a large room.
    stack = await startGatewayStack({ chat: { CHAT_PRESENCE_LIST_MAX: String(LIST_MAX) } });
    gateway = stack.gateway;
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    // The restart test replaces the stack's gateway with another on its port: stop that one too.
    await gateway?.stop();
    await stack?.stop();
  });

  /** Script errors and console errors of every page a test opened, checked after the test. */
  const problems: string[] = [];

  afterEach(() => {
    expect(problems.splice(0)).toEqual([]);
  });

  async function openPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    await page.goto(gateway.url);
    return page;
  }

  it('signs in, greets, watches ticks arrive, uploads a file and shows its digest', async () => {
    const page = await openPage();
    expect(await signIn(page, 'Ada')).toMatch(/^Ada-[a-z2-9]{5}$/);
    // The session is an HttpOnly cookie: the page's scripts cannot read the token.
    expect(await page.evaluate(() => document.cookie)).toBe('');

    await page.fill('#greet-form input[name=name]', 'Ada');
    await page.click('#greet-form button');
    await page.waitForFunction(() => document.querySelector('#greet-result')?.textContent === 'Hello Ada');
    expect(await page.textContent('#greet-served-by')).toBe('served by greeter-1');

    await page.fill('#ticker-form input[name=intervalMs]', '50');
    await page.click('#ticker-toggle');
    await page.waitForFunction(
      () => Number(document.querySelector('#ticker-seq')?.textContent?.slice(1)) >= 3,
    );
    expect(await page.textContent('#ticker-price')).toMatch(/^\d+\.\d\d$/);
    await page.click('#ticker-toggle');
    expect(await page.textContent('#ticker-status')).toBe('Stopped.');

    const bytes = randomBytes(2 * 1024 * 1024 + 5);
    await page.setInputFiles('#upload-form input[type=file]', {
      name: '<img src=x onerror=alert(1)>.bin',
      mimeType: 'application/octet-stream',
      buffer: bytes,
    });
    await page.click('#upload-form button');
    await page.waitForSelector('#upload-result:not([hidden])');
    expect(await page.textContent('#upload-sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await page.textContent('#upload-name')).toBe('<img src=x onerror=alert(1)>.bin');
    expect(await page.$$('#upload-name img')).toHaveLength(0);
    expect(await page.getAttribute('#upload-progress', 'value')).toBe(String(bytes.length));

    await page.screenshot({ path: join(SCREENSHOTS, 'page-laptop.png'), fullPage: true });
    await page.context().close();
  }, 60_000);

  it('lets two browser tabs chat, with presence, escaped text and history after rejoining', async () => {
    const ann = await openPage();
    const bob = await openPage({ width: 390, height: 844 });
    const joinBrowsers = (page: Page) => joinRoom(page, 'browsers');

    const annUser = await signIn(ann, 'ann');
    const bobUser = await signIn(bob, 'bob');
    await joinBrowsers(ann);
    await joinBrowsers(bob);
    await membersShown(ann, [annUser, bobUser]);

    const attack = '<img src=x onerror="document.title=\'owned\'">';
    await say(ann, attack);
    await say(bob, 'hello ann');
    await bob.waitForFunction(() => document.querySelectorAll('#chat-messages li').length === 2);
    expect(await lines(bob)).toEqual([attack, 'hello ann']);
    expect(await bob.$$('#chat-messages img')).toHaveLength(0);
    expect(await bob.title()).not.toBe('owned');

    await bob.screenshot({ path: join(SCREENSHOTS, 'page-phone.png'), fullPage: true });

    await bob.click('#chat-toggle');
    await membersShown(ann, [annUser]);
    await say(ann, 'while you were away');
    await bob.click('#chat-toggle');
    await bob.waitForFunction(() => document.querySelectorAll('#chat-messages li').length === 3);
    expect(await lines(bob)).toEqual([attack, 'hello ann', 'while you were away']);

    await ann.context().close();
    await bob.context().close();
  }, 60_000);

  it('shows a large room as a count, and its names when the list is opened', async () => {
    const tabs = await Promise.all(['cat', 'dan', 'eli'].map(() => openPage()));
    const users = await Promise.all(tabs.map((tab, i) => signIn(tab, ['cat', 'dan', 'eli'][i] as string)));
    for (const tab of tabs) await joinRoom(tab, 'crowd');
    const [first, , last] = tabs as [Page, Page, Page];
    for (const tab of [first, last]) {
      await tab.waitForFunction(() => document.querySelector('#chat-roster-count')?.textContent === '3 here');
      expect(await tab.isVisible('#chat-roster')).toBe(true);
      expect(await tab.textContent('#chat-members')).toBe('');
    }
    await last.click('#chat-roster summary');
    await last.waitForFunction(
      (expected) => document.querySelector('#chat-roster-names')?.textContent === expected,
      [...users].sort().join(', '),
    );
    await tabs[1]?.click('#chat-toggle');
    await membersShown(first, [users[0], users[2]].sort() as string[]);
    expect(await first.isVisible('#chat-roster')).toBe(false);
    for (const tab of tabs) await tab.context().close();
  }, 60_000);

  it('resumes the ticker from the next seq and rejoins the chat when the gateway restarts', async () => {
    const page = await openPage();
    await signIn(page, 'Resa');
    await page.fill('#ticker-form input[name=symbol]', 'RESUME');
    await page.fill('#ticker-form input[name=intervalMs]', '50');
    await page.click('#ticker-toggle');
    await joinRoom(page, 'restarts');
    // Every seq the page shows, as it shows it.
    await page.evaluate(() => {
      const seqs: string[] = [];
      (window as unknown as { seqs: string[] }).seqs = seqs;
      const target = document.querySelector('#ticker-seq') as HTMLElement;
      new MutationObserver(() => seqs.push(target.textContent ?? '')).observe(target, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    const seqsSeen = () =>
      page.evaluate(() => (window as unknown as { seqs: string[] }).seqs.map((seq) => Number(seq.slice(1))));
    await page.waitForFunction(() => (window as unknown as { seqs: string[] }).seqs.length >= 5);

    // The same address, as a restarted pod behind its Service: the session cookie stays valid.
    const port = new URL(gateway.url).port;
    gateway.process.child.kill('SIGTERM');
    expect(await gateway.process.exited).toBe(0);
    gateway = await stack.anotherGateway({ PORT: port });

    const before = (await seqsSeen()).length;
    await page.waitForFunction(
      (count) => (window as unknown as { seqs: string[] }).seqs.length >= count,
      before + 10,
      { timeout: 20_000 },
    );
    const seqs = await seqsSeen();
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0] + i));

    await page.waitForFunction(() => !document.querySelector<HTMLInputElement>('#chat-post input')?.disabled);
    await page.fill('#chat-post input[name=text]', 'back again');
    await page.click('#chat-post button');
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('#chat-messages li .text')).some(
        (item) => item.textContent === 'back again',
      ),
    );
    await page.click('#ticker-toggle');
    await page.context().close();
    // The browser reports the connections refused while the gateway was down; nothing else.
    const refused = /ERR_CONNECTION_REFUSED|WebSocket connection to .* failed|status of 503/;
    problems.splice(0, problems.length, ...problems.filter((problem) => !refused.test(problem)));
  }, 60_000);
});
