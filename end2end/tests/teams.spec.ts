import { expect, test } from './fixtures';
import { openOrg, openPage, signIn, unique } from './helpers';

test('an admin creates a team, adds a member by email, is refused a billing manager, and removes the member', async ({
  browser,
}) => {
  const team = `Platform ${unique('')}`;
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, 'alice@acme.example', 'alice-demo-password');
  await openOrg(admin, 'acme');
  await openPage(admin, 'Teams');

  await admin.getByLabel('Team name').fill(team);
  await admin.getByLabel('Description').fill('Runs the shared infrastructure');
  await admin.getByRole('button', { name: 'Create team' }).click();
  const row = admin.getByTestId('teams').locator('tbody tr', { hasText: team });
  await expect(row).toHaveCount(1);
  await expect(row.locator('td').nth(1)).toHaveText('Runs the shared infrastructure');
  await expect(row.locator('td').nth(2)).toHaveText('0');

  await row.getByRole('link', { name: team, exact: true }).click();
  await expect(admin.getByRole('heading', { level: 1, name: team, exact: true })).toBeVisible();
  const teamUrl = admin.url();
  const count = admin.getByTestId('team-member-count');
  await expect(count).toHaveText('0 members');
  await expect(admin.getByText('No one is on this team yet.')).toBeVisible();

  // Bob is a member of the organization: he joins the team.
  const email = admin.getByLabel('Email address of an organization member');
  await email.fill('bob@acme.example');
  await admin.getByRole('button', { name: 'Add to team' }).click();
  const members = admin.getByTestId('team-members');
  await expect(members).toContainText('Bob Builder');
  await expect(count).toHaveText('1 member');

  // Dana is a billing manager, not a member: refused, with the reason.
  await email.fill('dana@acme.example');
  await admin.getByRole('button', { name: 'Add to team' }).click();
  await expect(admin.getByRole('alert')).toContainText('No member of this organization has that email address.');
  await expect(members).not.toContainText('Dana');
  await expect(count).toHaveText('1 member');

  // Bob, a member, sees the team but may not change it.
  const member = await (await browser.newContext()).newPage();
  await signIn(member, 'bob@acme.example', 'bob-demo-password');
  await openOrg(member, 'acme');
  await openPage(member, 'Teams');
  await member.getByTestId('teams').getByRole('link', { name: team, exact: true }).click();
  await expect(member.getByRole('heading', { level: 1, name: team, exact: true })).toBeVisible();
  expect(member.url()).toBe(teamUrl);
  await expect(member.getByTestId('team-members')).toContainText('Bob Builder');
  await expect(member.getByTestId('team-member-count')).toHaveText('1 member');
  await expect(member.getByRole('button', { name: 'Add to team' })).toHaveCount(0);
  await expect(member.getByLabel('Email address of an organization member')).toHaveCount(0);
  await expect(member.getByRole('button', { name: /^Remove/ })).toHaveCount(0);

  // The admin removes Bob, confirming in a dialog.
  await admin.getByRole('button', { name: 'Remove Bob Builder from the team' }).click();
  const dialog = admin.getByRole('dialog', { name: 'Remove from team?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Bob Builder leaves the team');
  await dialog.getByRole('button', { name: 'Remove from team' }).click();
  await expect(dialog).toBeHidden();
  await expect(admin.getByText('No one is on this team yet.')).toBeVisible();
  await expect(count).toHaveText('0 members');

  // The breadcrumb goes back to the list, which counts no one on the team.
  await admin.getByRole('navigation', { name: 'Team' }).getByRole('link', { name: 'Teams' }).click();
  await expect(admin).toHaveURL(/\/acme\/teams$/);
  await expect(admin.getByRole('heading', { level: 1, name: 'Teams' })).toBeVisible();
  await expect(admin.getByTestId('teams').locator('tbody tr', { hasText: team }).locator('td').nth(2)).toHaveText('0');
});
