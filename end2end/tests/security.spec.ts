import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { goto, hydrated } from './helpers';

const ADMIN = { email: 'alice@acme.example', password: 'alice-demo-password' };

/** Fails the test if the browser ever asks for evil.example (and never lets it load). */
async function forbidEvil(page: Page): Promise<string[]> {
  const asked: string[] = [];
  await page.route((url) => url.hostname.endsWith('evil.example'), (route) => {
    asked.push(route.request().url());
    return route.abort();
  });
  page.on('request', (r) => {
    if (new URL(r.url()).hostname.endsWith('evil.example')) asked.push(r.url());
  });
  return asked;
}

async function signInHere(page: Page) {
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

for (const hostile of ['/%09/evil.example', '/%0a/evil.example', '/%0d/evil.example', '/%5C/evil.example']) {
  test(`sign-in with next=${hostile} stays on this site`, async ({ page, baseURL }) => {
    const asked = await forbidEvil(page);
    await goto(page, `/signin?next=${hostile}`);
    // The "Create an account" link carries no hostile next either.
    await expect(page.getByRole('link', { name: 'Create an account' })).toHaveAttribute('href', '/signup?next=/');
    await signInHere(page);
    await expect(page).toHaveURL(`${baseURL}/`);
    await hydrated(page);
    await expect(page.getByTestId('signed-in-as')).toBeVisible();
    expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
    expect(asked).toEqual([]);
  });
}

test('sign-in follows a next on this site', async ({ page, baseURL }) => {
  await goto(page, '/signin?next=/account/tokens');
  await signInHere(page);
  await expect(page).toHaveURL(`${baseURL}/account/tokens`);
  await hydrated(page);
  await expect(page.getByTestId('signed-in-as')).toBeVisible();
});

test('every page the demo admin reaches hydrates under the CSP, with no violation and no console error', async ({
  page,
  baseURL,
}) => {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Reported from the page itself, so a violation in any document is counted.
  await page.exposeBinding('reportCspViolation', (_source, v: string) => problems.push(`CSP: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { reportCspViolation(v: string): void }).reportCspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} on ${document.location.pathname}`,
      ),
    );
  });

  const responses: string[] = [];
  page.on('response', (r) => {
    if (r.request().resourceType() === 'document') {
      const csp = r.headers()['content-security-policy'] ?? '';
      if (!/script-src 'self' 'nonce-[\w-]+' 'wasm-unsafe-eval'/.test(csp)) responses.push(`${r.url()}: ${csp}`);
    }
  });

  await goto(page, '/signin');
  await signInHere(page);
  await expect(page).toHaveURL(`${baseURL}/`);
  await hydrated(page);

  // Follows every visible link on this site, depth first, by clicking it; each page is
  // then loaded afresh (its own nonce, its own hydration) before its links are followed.
  const visited = new Set<string>();
  const here = () => {
    const u = new URL(page.url());
    return u.pathname + u.search;
  };
  const links = async () =>
    (await page.locator('a[href^="/"]:visible').evaluateAll((as) => as.map((a) => a.getAttribute('href')!)))
      .filter((h) => !h.startsWith('//') && !/^\/(signin|signup|dev)\b/.test(h));

  async function explore() {
    const from = here();
    visited.add(from);
    for (const href of new Set(await links())) {
      if (visited.has(href)) continue;
      await page.locator(`a[href="${href}"]:visible`).first().click();
      await expect(page).toHaveURL(`${baseURL}${href}`);
      await hydrated(page);
      await page.reload();
      await hydrated(page);
      await explore();
      await page.goBack();
      await expect(page).toHaveURL(`${baseURL}${from}`);
      await hydrated(page);
    }
  }
  await explore();

  // The admin's pages: the start page, their tokens, a new organization, and every tab.
  for (const path of ['/', '/account/tokens', '/acme/settings/members', '/acme/settings/billing', '/acme/settings/audit']) {
    expect([...visited], `reached ${path}`).toContain(path);
  }
  expect(visited.size).toBeGreaterThanOrEqual(10);
  expect(problems).toEqual([]);
  expect(responses).toEqual([]);
});
