import { spawn, ChildProcess } from 'child_process';
import * as path from 'path';
import * as readline from 'readline';
import { expect, test } from './fixtures';
import { goto, newOrg, openPage, unique } from './helpers';

/** The test providers (server/tests/oidc/providers.mjs): a certified OpenID provider on loopback. */
async function startProviders(redirectUri: string, accounts: object): Promise<{ child: ChildProcess; issuer: string }> {
  const child = spawn('node', ['providers.mjs'], {
    cwd: path.join(__dirname, '../../server/tests/oidc'),
    env: { ...process.env, REDIRECT_URIS: redirectUri, ACCOUNTS: JSON.stringify(accounts) },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line: string = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', () => reject(new Error('the test providers exited')));
  });
  return { child, issuer: JSON.parse(line).provider };
}

/** Through the provider's development login and consent pages, by clicking. */
async function signInAtProvider(page: import('@playwright/test').Page, login: string) {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]', { hasText: 'Continue' }).click();
}

test('an admin connects an OpenID provider, tests it, turns it on, and a new person joins through it', async ({
  browser,
  baseURL,
}) => {
  const { admin, org } = await newOrg(browser, 'enterprise');
  const login = unique('grace');
  const email = `${login}@corp.example`;
  const redirectUri = `${baseURL}/sso/${org}/callback`;
  const { child, issuer } = await startProviders(redirectUri, {
    [login]: { email, email_verified: true, name: 'Grace Hopper', groups: [] },
  });
  try {
    await openPage(admin, 'Members');
    const count = admin.getByTestId('member-count');
    await expect(count).toContainText('1 member');

    await openPage(admin, 'Identity provider');
    const sso = admin.getByTestId('sso');
    await expect(sso.getByTestId('redirect-uri')).toHaveText(redirectUri);
    await sso.getByLabel('Issuer URL').fill(issuer);
    await sso.getByLabel('Client ID').fill('purser');
    await sso.getByLabel('Client secret').fill('purser-test-secret');
    await sso.getByLabel('People the provider vouches for who hold no role').selectOption('member');
    await sso.getByRole('button', { name: 'Save connection' }).click();
    await expect(sso.getByText('Single sign-on can be turned on after a test sign-in succeeds.')).toBeVisible();

    // The test runs in a new tab and shows what the provider sent; nobody's access changes.
    const [tab] = await Promise.all([
      admin.context().waitForEvent('page'),
      sso.getByRole('link', { name: 'Test sign-in' }).click(),
    ]);
    await signInAtProvider(tab, login);
    await expect(tab.getByTestId('sso-test-result')).toContainText(email);
    await tab.close();

    await admin.reload();
    await expect(admin.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 30_000 });
    await admin.getByTestId('sso').getByRole('button', { name: 'Turn on single sign-on' }).click();
    await expect(admin.getByTestId('sso').getByText('Single sign-on is on')).toBeVisible();

    // Someone new signs in with SSO from the sign-in page and lands in the organization.
    const person = await (await browser.newContext()).newPage();
    await goto(person, '/signin');
    await person.getByLabel("Your organization's URL name").fill(org);
    await person.getByRole('button', { name: 'Sign in with SSO' }).click();
    await signInAtProvider(person, login);
    await expect(person).toHaveURL(new RegExp(`/${org}(/|$)`));
    await expect(person.getByTestId('signed-in-as')).toBeVisible();

    // The admin (the recovery admin, on a password session) sees the new member counted.
    await openPage(admin, 'Members');
    await expect(admin.getByTestId('members-table')).toContainText('Grace Hopper');
    await expect(admin.getByTestId('member-count')).toContainText('2 members');
  } finally {
    child.kill();
  }
});
