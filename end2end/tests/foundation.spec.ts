import { expect, test } from './fixtures';
import { createOrg, goto, hydrated, linkFromEmail, openOrg, openSwitcher, signIn, signInTo, signUp, unique } from './helpers';

test('sign up, verify by email, create an organization, see yourself as its admin', async ({ page }) => {
  const email = `${unique('ada')}@example.com`;
  const org = unique('org');
  const login = unique('ada-l');

  await goto(page, '/signup');
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByTestId('verify-banner')).toContainText(email);

  // The verification link arrives by email; opening it verifies nothing until the
  // account's owner, signed in, confirms.
  const link = await linkFromEmail(email, '/verify-email');
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByText(`Confirm that ${email} is your address.`)).toBeVisible();
  await page.getByRole('button', { name: 'Verify email address' }).click();
  await expect(page.getByTestId('verified')).toHaveText('Your email address is verified');

  // From the verified page, by the header's link (no organization yet).
  await createOrg(page, org, 'team', 'Analytical Engines');

  await expect(page).toHaveURL(new RegExp(`/${org}/settings/members$`));
  await expect(page.getByTestId('member-count')).toHaveText('1 member');
  const row = page.getByTestId('members-table').locator('tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Ada Lovelace');
  await expect(row).toContainText(`@${login}`);
  await expect(row).toContainText(email);
  await expect(page.getByTestId('signed-in-login')).toHaveText(`@${login}`);
  await expect(row).toContainText('Admin');

  // The organization switcher knows the new organization, by its display name.
  const switcher = page.getByLabel('Switch organization');
  await expect(switcher).toHaveText('Analytical Engines');
  await expect(switcher).toHaveAttribute('aria-label', 'Analytical Engines: switch organization');
  const menu = await openSwitcher(page);
  await expect(menu.locator('a[aria-current="true"]')).toHaveAttribute('data-org', org);
});

test('bad sign-up input gets a clear message on the field', async ({ page }) => {
  await goto(page, '/signup');
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example');
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('alert')).toContainText('not a valid email address');
});

test('the demo admin sees three members, with emails', async ({ page }) => {
  await signIn(page, 'alice@acme.example', 'alice-demo-password');
  await openOrg(page, 'Acme Corp');
  await expect(page).toHaveURL(/\/acme\/settings\/members$/);
  await expect(page.getByTestId('member-count')).toHaveText('3 members');
  const rows = page.getByTestId('members-table').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(page.getByTestId('members-table')).toContainText('bob@acme.example');
  await expect(page.getByTestId('members-table')).not.toContainText('Dana');
});

test('a demo member sees names but no emails', async ({ page }) => {
  await signIn(page, 'bob@acme.example', 'bob-demo-password');
  await openOrg(page, 'acme');
  await expect(page).toHaveURL(/\/acme\/settings\/members$/);
  await expect(page.getByTestId('members-table')).toContainText('Alice Admin');
  await expect(page.getByTestId('members-table')).not.toContainText('@acme.example');
  await expect(page.getByRole('columnheader', { name: 'Email' })).toHaveCount(0);
});

test('a billing manager who opens Members by its address is not allowed', async ({ page }) => {
  // Refusing a typed address is a security check: the address is the test's first page.
  await signInTo(page, '/acme/settings/members', 'dana@acme.example', 'dana-demo-password');
  await expect(page.getByTestId('not-allowed')).toBeVisible();
  await expect(page.locator('body')).not.toContainText('Alice');
  const res = await page.request.get('/acme/settings/members');
  expect(res.status()).toBe(403);
  expect(await res.text()).not.toContain('Alice');
});

test('personal access tokens are shown once and work with the API', async ({ page, request }) => {
  await signIn(page, 'carol@acme.example', 'carol-demo-password');
  await page.locator('header').getByRole('link', { name: 'Personal access tokens' }).click();
  await expect(page).toHaveURL(/\/account\/tokens$/);
  await expect(page.getByRole('heading', { name: 'Personal access tokens' })).toBeVisible();
  await page.getByLabel('Description').fill('laptop');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent())!.trim();
  expect(token).toMatch(/^pur_/);
  await expect(page.getByRole('cell', { name: 'laptop', exact: true })).toBeVisible();

  const res = await request.get('/api/user', { headers: { Authorization: `token ${token}` } });
  expect(res.status()).toBe(200);
  expect((await res.json()).email).toBe('carol@acme.example');

  await page.getByRole('row', { name: /laptop/ }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('cell', { name: 'laptop', exact: true })).toHaveCount(0);
  const after = await request.get('/api/user', { headers: { Authorization: `token ${token}` } });
  expect(after.status()).toBe(401);
});

test('a verification link opened on another device leads through sign-in and back', async ({ browser }) => {
  const email = `${unique('grace')}@example.com`;
  const laptop = await (await browser.newContext()).newPage();
  await goto(laptop, '/signup');
  await signUp(laptop, 'Grace Hopper', email);

  // The email is opened where nobody is signed in: the page asks to sign in first.
  const phone = await (await browser.newContext()).newPage();
  await goto(phone, await linkFromEmail(email, '/verify-email'));
  await expect(phone.getByRole('button', { name: 'Verify email address' })).toHaveCount(0);
  await phone.getByRole('link', { name: 'Sign in to verify' }).click();
  await phone.getByLabel('Email').fill(email);
  await phone.getByLabel('Password').fill('a long password');
  await phone.getByRole('button', { name: 'Sign in', exact: true }).click();

  // Back on the verification page, signed in as the account the link was sent to.
  await expect(phone).toHaveURL(/\/verify-email\?token=/);
  await phone.getByRole('button', { name: 'Verify email address' }).click();
  await expect(phone.getByTestId('verified')).toHaveText('Your email address is verified');
});
