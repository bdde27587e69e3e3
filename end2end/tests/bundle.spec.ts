import type { Browser, BrowserContextOptions } from '@playwright/test';
import { expect, test } from './fixtures';
import { hydrated, openOrg, openPage, signIn } from './helpers';

/** Over HTTP/1.1 each WASM file is a request, six at a time: a page that needs dozens
 * waits for round trips (scripts/first-load.sh measures how long). */
const MAX_WASM_FILES = 4;

/** Opens `url` in a browser of its own (a cold cache), then reloads it (warm): the
 * WASM files each visit fetched over the network, not from the cache. */
async function wasmFetched(browser: Browser, options: BrowserContextOptions, url: string) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let requested = new Set<string>();
  const cached = new Set<string>();
  cdp.on('Network.requestWillBeSent', (e) => {
    if (new URL(e.request.url).pathname.endsWith('.wasm')) requested.add(e.requestId);
  });
  cdp.on('Network.requestServedFromCache', (e) => cached.add(e.requestId));
  cdp.on('Network.responseReceived', (e) => {
    if (e.response.fromDiskCache || e.response.fromPrefetchCache) cached.add(e.requestId);
  });
  const visits: number[] = [];
  for (let visit = 0; visit < 2; visit++) {
    requested = new Set();
    // The second visit reloads, which revalidates what it may: an immutable,
    // content-hashed file must still come from the cache.
    await (visit === 0 ? page.goto(url) : page.reload());
    await hydrated(page);
    visits.push([...requested].filter((id) => !cached.has(id)).length);
  }
  await context.close();
  return visits;
}

test('a page needs at most 4 WASM files, and a second visit fetches none', async ({ page, browser, baseURL }) => {
  await signIn(page, 'alice@acme.example', 'alice-demo-password');
  const home = page.url();
  await openOrg(page, 'acme');
  await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible();
  const members = page.url();
  await openPage(page, 'Billing & usage');
  const billing = page.url();
  const signedIn = { baseURL, storageState: await page.context().storageState() };

  // Each page as a person opens it from a bookmark, in a browser that never saw Purser.
  for (const [url, options] of [
    [`${baseURL}/signin`, { baseURL }],
    [home, signedIn],
    [members, signedIn],
    [billing, signedIn],
  ] as const) {
    const [cold, warm] = await wasmFetched(browser, options, url);
    expect(cold, `${url}: WASM files with a cold cache`).toBeGreaterThan(0);
    expect(cold, `${url}: WASM files with a cold cache`).toBeLessThanOrEqual(MAX_WASM_FILES);
    expect(warm, `${url}: WASM files fetched again on a second visit`).toBe(0);
  }
});

test('before the WASM arrives, the server-rendered sign-in form works on its own', async ({ browser, baseURL }) => {
  // A browser that runs no script: what a person on a slow network has until the
  // bundle arrives (the form posts to its server function, which answers with a page).
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/signin');
  await page.getByLabel('Email').fill('alice@acme.example');
  await page.getByLabel('Password').fill('alice-demo-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // The server function answers the post with the page again, now signed in.
  await expect(page.getByTestId('signed-in-as')).toBeVisible();
  await context.close();
});
