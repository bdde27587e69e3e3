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
