import { expect, test } from './fixtures';
import { billing, openOrg, openPage, signIn, signInTo } from './helpers';

// Reads the demo's card (the card update below puts it back when it is done).
test('a billing manager lands on Billing & usage and reads usage by day or month, as a chart and a table', async ({
  page,
}) => {
  await signIn(page, 'dana@acme.example', 'dana-demo-password');
  // The organization opens on Billing & usage for a billing manager.
  await openOrg(page, 'acme');
  await expect(page).toHaveURL(/\/acme\/settings\/billing$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Billing & usage' })).toBeVisible();

  const chart = page.getByTestId('usage-chart');
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute('aria-label', /per day/);

  await page.getByLabel('Show by').selectOption({ label: 'Month' });
  await page.getByLabel('Period').selectOption({ label: 'Last 365 days' });
  await expect(chart).toHaveAttribute('aria-label', /per month/);
  await expect(page.getByLabel('Show by')).toHaveValue('month');
  await expect(page.getByLabel('Period')).toHaveValue('365');

  await page.getByText('Show the numbers as a table').click();
  const table = page.getByTestId('usage-table');
  await expect(table).toBeVisible();
  const rows = table.locator('tbody tr');
  await expect(async () => {
    const n = await rows.count();
    expect(n).toBeGreaterThanOrEqual(12);
    expect(n).toBeLessThanOrEqual(13);
  }).toPass();
  for (const month of await rows.locator('td:first-child').allInnerTexts()) {
    expect(month.trim()).toMatch(/^\d{4}-\d{2}$/);
  }
  await expect(table.getByRole('columnheader').first()).toHaveText('Month');

  // Payments: the months paid with the test card, none failed; the card on file.
  const payments = page.getByTestId('payments');
  await expect(payments.locator('tbody tr', { hasText: 'Paid' }).first()).toBeVisible();
  await expect(payments.locator('tbody tr', { hasText: 'failed' })).toHaveCount(0);
  await expect(page.getByTestId('payment-method')).toContainText('Visa ending in 4242');
});

test('a billing manager updates the credit card through the dialog, with field errors first', async ({ page }) => {
  await signIn(page, 'dana@acme.example', 'dana-demo-password');
  await billing(page, 'acme');
  await expect(page.getByTestId('subscription')).toContainText('Team edition');
  // The demo's test card is on file.
  await expect(page.getByTestId('payment-method')).toContainText('Visa ending in 4242');
  await expect(page.getByTestId('payment-method')).toContainText('Dana Ledger');

  await page.getByRole('button', { name: 'Update credit card' }).click();
  const dialog = page.getByRole('dialog', { name: 'Update credit card' });
  await expect(dialog.getByLabel('Cardholder name')).toBeFocused();
  await dialog.getByLabel('Cardholder name').fill('Dana Ledger');
  await dialog.getByLabel('Card number').fill('5555 5555 5555 4440');
  await dialog.getByLabel('Expiry (MM/YY)').fill('12/39');
  await dialog.getByLabel('CVC').fill('123');
  await dialog.getByRole('button', { name: 'Save card' }).click();
  await expect(dialog.getByRole('alert')).toContainText('not valid');

  await dialog.getByLabel('Card number').fill('5555 5555 5555 4444');
  await dialog.getByRole('button', { name: 'Save card' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('payment-method')).toContainText('Mastercard ending in 4444');
  await expect(page.getByTestId('payment-method')).not.toContainText('Visa');
  await expect(page.locator('body')).not.toContainText('5555 5555 5555 4444');

  // Escape closes the dialog without saving.
  await page.getByRole('button', { name: 'Update credit card' }).click();
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('payment-method')).toContainText('Mastercard ending in 4444');

  // The demo's test card back on file, as the other tests expect it.
  await page.getByRole('button', { name: 'Update credit card' }).click();
  await dialog.getByLabel('Cardholder name').fill('Dana Ledger');
  await dialog.getByLabel('Card number').fill('4242 4242 4242 4242');
  await dialog.getByLabel('Expiry (MM/YY)').fill('12/34');
  await dialog.getByLabel('CVC').fill('123');
  await dialog.getByRole('button', { name: 'Save card' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('payment-method')).toContainText('Visa ending in 4242');
});

test('a member has no Billing & usage link, and its address is not allowed', async ({ page }) => {
  // Refusing a typed address is a security check: the address is the test's first page.
  await signInTo(page, '/acme/settings/billing', 'bob@acme.example', 'bob-demo-password');
  await expect(page.getByTestId('not-allowed')).toBeVisible();
  expect((await page.request.get('/api/orgs/acme/billing/subscription')).status()).toBe(403);

  await openOrg(page, 'acme');
  await expect(page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Members', exact: true })).toBeVisible();
  await expect(
    page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Billing & usage' }),
  ).toHaveCount(0);
});

test('usage shows resources and a chart to billing managers, but never stack names', async ({ page }) => {
  await signIn(page, 'dana@acme.example', 'dana-demo-password');
  await billing(page, 'acme');
  await expect(page.getByTestId('resource-count')).toHaveText('99');
  // By day over the last 30 days: one bar a day.
  await expect(page.getByTestId('usage-chart').locator('.bars rect')).toHaveCount(30);
  await expect(page.locator('main')).not.toContainText('website');
  // Stacks are refused to billing managers, by the server too.
  await expect(page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Stacks' })).toHaveCount(0);
  const stacks = await page.request.get('/acme/stacks');
  expect(stacks.status()).toBe(403);
  expect(await stacks.text()).not.toContain('website');
});

test('members see and create stacks; admins read the audit log', async ({ browser }) => {
  const member = await (await browser.newContext()).newPage();
  await signIn(member, 'carol@acme.example', 'carol-demo-password');
  await openOrg(member, 'acme');
  await openPage(member, 'Stacks');
  await expect(member.getByTestId('stacks')).toContainText('payments-api');
  await member.getByLabel('Project').fill('infra');
  await member.getByLabel('Stack', { exact: true }).fill('dev');
  await member.getByRole('button', { name: 'Create stack' }).click();
  await expect(member.getByTestId('stacks')).toContainText('infra');
  // Members have no link to the audit log, and the server refuses its address.
  await expect(member.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  expect((await member.request.get('/acme/settings/audit')).status()).toBe(403);

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, 'alice@acme.example', 'alice-demo-password');
  await openOrg(admin, 'acme');
  await openPage(admin, 'Audit log');
  await expect(admin.getByTestId('audit-log')).toContainText('payment-method.updated');
});
