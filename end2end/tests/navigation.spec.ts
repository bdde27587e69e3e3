import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { hydrated, signIn } from './helpers';

// Every page a role may open, in navigation order (core's navigation table); every
// other page has no link for that role.
const pages = {
  Stacks: '/acme/stacks',
  Teams: '/acme/teams',
  Policies: '/acme/policies',
  Members: '/acme/settings/members',
  'Billing & usage': '/acme/settings/billing',
  'Identity provider': '/acme/settings/identity',
  'Access tokens': '/acme/settings/tokens',
  'Audit log': '/acme/settings/audit',
} as const;
type Label = keyof typeof pages;

const roles: { who: string; email: string; password: string; sees: Label[] }[] = [
  {
    who: 'admin',
    email: 'alice@acme.example',
    password: 'alice-demo-password',
    sees: Object.keys(pages) as Label[],
  },
  {
    who: 'member',
    email: 'bob@acme.example',
    password: 'bob-demo-password',
    sees: ['Stacks', 'Teams', 'Policies', 'Members'],
  },
  {
    who: 'billing manager',
    email: 'dana@acme.example',
    password: 'dana-demo-password',
    sees: ['Billing & usage'],
  },
];

/** From the home page, into the demo organization, by clicking its link. */
async function openAcme(page: Page) {
  await page.getByRole('link', { name: 'Acme' }).first().click();
  await hydrated(page);
  await expect(page.getByRole('navigation', { name: 'Organization' })).toBeVisible();
}

for (const role of roles) {
  test(`the ${role.who} reaches every page they may open by clicking, and sees no other`, async ({ page }) => {
    await signIn(page, role.email, role.password);
    await openAcme(page);
    const nav = page.getByRole('navigation', { name: 'Organization' });
    const labels = await nav.getByRole('link').allInnerTexts();
    expect(labels.map((l) => l.trim())).toEqual(role.sees);

    for (const label of role.sees) {
      await nav.getByRole('link', { name: label, exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`${pages[label]}$`));
      await expect(nav.getByRole('link', { name: label, exact: true })).toHaveAttribute('aria-current', 'page');
      await expect(page.getByText('Page not found')).toHaveCount(0);
      // The same address loaded afresh answers 200 for this role.
      const res = await page.request.get(pages[label]);
      expect(res.status(), `${label} for the ${role.who}`).toBe(200);
    }
    for (const label of Object.keys(pages) as Label[]) {
      if (!role.sees.includes(label)) {
        await expect(nav.getByRole('link', { name: label, exact: true })).toHaveCount(0);
      }
    }
  });
}

test('an admin makes a member an admin and back from the row menu, confirming each time', async ({ page }) => {
  await signIn(page, 'alice@acme.example', 'alice-demo-password');
  await openAcme(page);
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Members', exact: true }).click();
  const row = page.getByTestId('members-table').locator('tbody tr', { hasText: 'Carol Coder' });
  // The role's badge, not the row: the menu's buttons name roles too.
  const carolsRole = row.locator('.badge');
  await expect(carolsRole).toHaveText('Member');

  await row.getByLabel('Actions for Carol Coder').click();
  await row.getByRole('button', { name: 'Make admin' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change role?' });
  await expect(dialog).toContainText('Carol Coder will be an admin');
  await dialog.getByRole('button', { name: 'Make admin' }).click();
  await expect(dialog).toBeHidden();
  await expect(carolsRole).toHaveText('Admin');

  await row.getByLabel('Actions for Carol Coder').click();
  await row.getByRole('button', { name: 'Make member' }).click();
  await dialog.getByRole('button', { name: 'Make member' }).click();
  await expect(dialog).toBeHidden();
  await expect(carolsRole).toHaveText('Member');

  // The last admin cannot step down: the refusal is shown in the dialog.
  const alice = page.getByTestId('members-table').locator('tbody tr', { hasText: 'Alice Admin' });
  await alice.getByLabel('Actions for Alice Admin').click();
  await alice.getByRole('button', { name: 'Make member' }).click();
  await dialog.getByRole('button', { name: 'Make member' }).click();
  await expect(dialog).toContainText('at least one admin');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
});
