import { expect, test } from '@playwright/test';
import { goto, hydrated, linkFromEmail, signIn, unique } from './helpers';

test('sign up, verify by email, create an organization, see yourself as its admin', async ({ page }) => {
  const email = `${unique('ada')}@example.com`;
  const org = unique('org');

  await goto(page, '/signup');
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByTestId('verify-banner')).toContainText(email);

  // The verification link arrives by email.
  const link = await linkFromEmail(email, '/verify-email');
  await page.goto(link);
  await expect(page.getByTestId('verified')).toHaveText('Your email address is verified');

  await goto(page, '/orgs/new');
  await page.getByLabel('URL name').fill(org);
  await page.getByLabel('Display name').fill('Analytical Engines');
  await page.getByLabel('Edition').selectOption('team');
  await page.getByRole('button', { name: 'Create organization' }).click();

  await expect(page).toHaveURL(new RegExp(`/${org}/settings/members$`));
  await hydrated(page);
  await expect(page.getByTestId('member-count')).toHaveText('1 member');
  const row = page.getByTestId('members-table').locator('tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Ada Lovelace');
  await expect(row).toContainText(email);
  await expect(row).toContainText('Admin');

  // The organization switcher knows the new organization.
  await expect(page.getByLabel('Switch organization')).toHaveValue(org);
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
  await page.getByLabel('Switch organization').selectOption('acme');
  await expect(page).toHaveURL(/\/acme\/settings\/members$/);
  await expect(page.getByTestId('member-count')).toHaveText('3 members');
  const rows = page.getByTestId('members-table').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(page.getByTestId('members-table')).toContainText('bob@acme.example');
  await expect(page.getByTestId('members-table')).not.toContainText('Dana');
});

test('a demo member sees names but no emails; a billing manager is not allowed', async ({ browser }) => {
  const member = await browser.newPage();
  await signIn(member, 'bob@acme.example', 'bob-demo-password');
  await goto(member, '/acme/settings/members');
  await expect(member.getByTestId('members-table')).toContainText('Alice Admin');
  await expect(member.getByTestId('members-table')).not.toContainText('@acme.example');
  await expect(member.getByRole('columnheader', { name: 'Email' })).toHaveCount(0);

  const billingManager = await browser.newPage();
  await signIn(billingManager, 'dana@acme.example', 'dana-demo-password');
  await goto(billingManager, '/acme/settings/members');
  await expect(billingManager.getByTestId('not-allowed')).toBeVisible();
  await expect(billingManager.locator('body')).not.toContainText('Alice');
});

test('personal access tokens are shown once and work with the API', async ({ page, request }) => {
  await signIn(page, 'carol@acme.example', 'carol-demo-password');
  await goto(page, '/account/tokens');
  await page.getByLabel('Description').fill('laptop');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent())!.trim();
  expect(token).toMatch(/^pur_/);
  await expect(page.getByRole('cell', { name: 'laptop' })).toBeVisible();

  const res = await request.get('/api/user', { headers: { Authorization: `token ${token}` } });
  expect(res.status()).toBe(200);
  expect((await res.json()).email).toBe('carol@acme.example');

  await page.getByRole('row', { name: /laptop/ }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('cell', { name: 'laptop' })).toHaveCount(0);
  const after = await request.get('/api/user', { headers: { Authorization: `token ${token}` } });
  expect(after.status()).toBe(401);
});
