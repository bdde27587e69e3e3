import { expect, test } from '@playwright/test';
import { billing, goto, signIn } from './helpers';

test('a billing manager updates the credit card through the dialog, with field errors first', async ({ page }) => {
  await signIn(page, 'dana@acme.example', 'dana-demo-password');
  await billing(page, 'acme');
  await expect(page.getByTestId('subscription')).toContainText('Team edition');
  await expect(page.getByTestId('payment-method')).toHaveText('No credit card on file.');

  await page.getByRole('button', { name: 'Update credit card' }).click();
  const dialog = page.getByRole('dialog', { name: 'Update credit card' });
  await expect(dialog.getByLabel('Cardholder name')).toBeFocused();
  await dialog.getByLabel('Cardholder name').fill('Dana Ledger');
  await dialog.getByLabel('Card number').fill('4242 4242 4242 4241');
  await dialog.getByLabel('Expiry (MM/YY)').fill('12/39');
  await dialog.getByLabel('CVC').fill('123');
  await dialog.getByRole('button', { name: 'Save card' }).click();
  await expect(dialog.getByRole('alert')).toContainText('not valid');

  await dialog.getByLabel('Card number').fill('4242 4242 4242 4242');
  await dialog.getByRole('button', { name: 'Save card' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('payment-method')).toContainText('Visa ending in 4242');
  await expect(page.locator('body')).not.toContainText('4242 4242 4242 4242');

  // Escape closes the dialog without saving.
  await page.getByRole('button', { name: 'Update credit card' }).click();
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test('a member cannot open Billing & usage', async ({ page }) => {
  await signIn(page, 'bob@acme.example', 'bob-demo-password');
  await goto(page, '/acme/settings/billing');
  await expect(page.getByTestId('not-allowed')).toBeVisible();
  expect((await page.request.get('/api/orgs/acme/billing/subscription')).status()).toBe(403);
});

test('usage shows resources and a chart to billing managers, but never stack names', async ({ page }) => {
  await signIn(page, 'dana@acme.example', 'dana-demo-password');
  await billing(page, 'acme');
  await expect(page.getByTestId('resource-count')).toHaveText('99');
  await expect(page.getByTestId('usage-chart').locator('.bar')).toHaveCount(30);
  await expect(page.locator('main')).not.toContainText('website');
  await goto(page, '/acme/stacks');
  await expect(page.getByTestId('not-allowed')).toBeVisible();
});

test('members see and create stacks; admins read the audit log', async ({ browser }) => {
  const member = await (await browser.newContext()).newPage();
  await signIn(member, 'carol@acme.example', 'carol-demo-password');
  await goto(member, '/acme/stacks');
  await expect(member.getByTestId('stacks')).toContainText('payments-api');
  await member.getByLabel('Project').fill('infra');
  await member.getByLabel('Stack', { exact: true }).fill('dev');
  await member.getByRole('button', { name: 'Create stack' }).click();
  await expect(member.getByTestId('stacks')).toContainText('infra');
  await goto(member, '/acme/settings/audit');
  await expect(member.getByTestId('not-allowed')).toBeVisible();

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, 'alice@acme.example', 'alice-demo-password');
  await goto(admin, '/acme/settings/audit');
  await expect(admin.getByTestId('audit-log')).toContainText('payment-method.updated');
});
