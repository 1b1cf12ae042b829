import type { Browser } from 'playwright-core';
import { launchChromium, signIn } from './browser';
import { type GatewayStack, startGatewayStack, type TestGateway } from './fixture';

describe('the API docs at /api/docs, in Chromium', () => {
  let stack: GatewayStack;
  let gateway: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startGatewayStack({ greeter: {}, ticker: {} });
    gateway = stack.gateway;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('serves the OpenAPI document to anyone', async () => {
    const response = await fetch(`${gateway.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toMatchObject({ openapi: '3.1.0', paths: { '/api/hello': {} } });
  });

  it('renders the API, loading nothing from elsewhere, and makes a signed-in call from its page', async () => {
    const page = await (await browser.newContext()).newPage();
    const problems: string[] = [];
    const elsewhere: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => !request.url().startsWith(gateway.url) && elsewhere.push(request.url()));
    await page.goto(gateway.url);
    const user = await signIn(page, 'Docs');

    await page.goto(`${gateway.url}/api/docs/#tag/helloworldgreeter/GET/api/hello`);
    await page.click('text=Test Request(get /api/hello)');
    const nameRow = page
      .locator('input[aria-label="Include name in request"]')
      .locator('xpath=ancestor::*[.//*[contains(@class, "code-input-lite__editor")]][1]');
    await nameRow.locator('.code-input-lite__editor').nth(1).click();
    await page.keyboard.type(user);
    const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/hello');
    await page.click('text=Send Request');
    const response = await answered;
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual({ message: `Hello ${user}` });
    await page.waitForSelector(`text=Hello ${user}`);
    expect(problems).toEqual([]);
    expect(elsewhere).toEqual([]);
  }, 60_000);
});
