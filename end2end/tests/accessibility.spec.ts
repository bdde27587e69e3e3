import AxeBuilder from '@axe-core/playwright';
import { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { goto, openOrg, openPage, orgNav, signIn, unique } from './helpers';

// Every page each role reaches, and every dialog an admin opens, scanned with axe-core:
// no violation of "serious" or "critical" impact is allowed. Each scan is a soft
// assertion, so one run lists every problem on every page.

type Violation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

function describe(violations: Violation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    - ${n.target.join(' ')}\n      ${n.failureSummary?.replace(/\n/g, '\n      ') ?? ''}\n      ${n.html}`)
        .join('\n');
      return `  ${v.id} (${v.impact}): ${v.help}\n  ${v.helpUrl}\n${nodes}`;
    })
    .join('\n');
}

/** Scans the whole page as it is now; `what` names it in the report. */
async function scan(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect.soft(serious, `accessibility of ${what} (${page.url()}):\n${describe(serious)}`).toEqual([]);
}

/** Scans `dialog` while it is open, then closes it with its Cancel button. */
async function scanDialog(page: Page, dialog: Locator, what: string) {
  await expect(dialog).toBeVisible();
  await scan(page, `the ${what} dialog`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
}

const roles = [
  { who: 'admin', email: 'alice@acme.example', password: 'alice-demo-password' },
  { who: 'member', email: 'bob@acme.example', password: 'bob-demo-password' },
  { who: 'billing manager', email: 'dana@acme.example', password: 'dana-demo-password' },
];

for (const role of roles) {
  test(`every page the ${role.who} reaches has no serious accessibility violation`, async ({ page }) => {
    await signIn(page, role.email, role.password);
    await scan(page, 'the start page');
    await openOrg(page, 'acme');
    const labels = (await orgNav(page).getByRole('link').allInnerTexts()).map((l) => l.trim());
    expect(labels.length).toBeGreaterThan(0);
    for (const label of labels) {
      await openPage(page, label);
      await scan(page, label);
    }
    await page.locator('header').getByRole('link', { name: 'Personal access tokens' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Personal access tokens' })).toBeVisible();
    await scan(page, 'Personal access tokens');
  });
}

test('every dialog an admin opens has no serious accessibility violation', async ({ page }) => {
  await signIn(page, 'alice@acme.example', 'alice-demo-password');
  await openOrg(page, 'acme');

  // Members: the invite dialog, and the row menu's two confirmations (cancelled).
  await page.getByRole('button', { name: 'Invite members' }).click();
  await scanDialog(page, page.getByRole('dialog', { name: 'Invite members' }), 'Invite members');

  const row = page.getByTestId('members-table').locator('tbody tr', { hasText: 'Carol Coder' });
  await row.getByLabel('Actions for Carol Coder').click();
  await scan(page, 'Members with a row menu open');
  await row.getByRole('button', { name: 'Make admin' }).click();
  await scanDialog(page, page.getByRole('dialog', { name: 'Change role?' }), 'Make admin');

  await row.getByLabel('Actions for Carol Coder').click();
  await row.getByRole('button', { name: 'Remove from organization' }).click();
  await scanDialog(page, page.getByRole('dialog', { name: 'Remove from organization?' }), 'Remove from organization');
  await expect(row.locator('.badge')).toHaveText('Member');

  // Billing & usage: inviting billing managers, updating the card.
  await openPage(page, 'Billing & usage');
  await page.getByRole('button', { name: 'Invite Billing Managers' }).click();
  await scanDialog(page, page.getByRole('dialog', { name: 'Invite billing managers' }), 'Invite billing managers');
  await page.getByRole('button', { name: 'Update credit card' }).click();
  await scanDialog(page, page.getByRole('dialog', { name: 'Update credit card' }), 'Update credit card');
  // The usage table, shown.
  await page.getByText('Show the numbers as a table').click();
  await expect(page.getByTestId('usage-table')).toBeVisible();
  await scan(page, 'Billing & usage with the usage table shown');

  // A team page, with a member to remove (cancelled).
  const team = `A11y ${unique('')}`;
  await openPage(page, 'Teams');
  await page.getByLabel('Team name').fill(team);
  await page.getByRole('button', { name: 'Create team' }).click();
  await page.getByTestId('teams').getByRole('link', { name: team, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: team, exact: true })).toBeVisible();
  await scan(page, 'an empty team');
  await page.getByLabel('Email address of an organization member').fill('dana@acme.example');
  await page.getByRole('button', { name: 'Add to team' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await scan(page, 'a team with an error shown');
  await page.getByLabel('Email address of an organization member').fill('carol@acme.example');
  await page.getByRole('button', { name: 'Add to team' }).click();
  await expect(page.getByTestId('team-members')).toContainText('Carol Coder');
  await scan(page, 'a team with a member');
  await page.getByRole('button', { name: 'Remove Carol Coder from the team' }).click();
  await scanDialog(page, page.getByRole('dialog', { name: 'Remove from team?' }), 'Remove from team');
  await expect(page.getByTestId('team-members')).toContainText('Carol Coder');
});

test('the signed-out pages have no serious accessibility violation', async ({ page }) => {
  await goto(page, '/signin');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Purser' })).toBeVisible();
  await scan(page, 'Sign in');

  await page.locator('header').getByRole('link', { name: 'Sign up' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Create your Purser account' })).toBeVisible();
  await scan(page, 'Sign up');

  await page.locator('header').getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Reset your password' })).toBeVisible();
  await scan(page, 'Forgot password');
});
