import { expect, test } from './fixtures';
import {
  accept,
  billing,
  copyBillingManagerLink,
  goto,
  hydrated,
  inviteBillingManagers,
  linkFromEmail,
  newOrg,
  newPerson,
  openOrg,
  openSwitcher,
  openPage,
  orgLink,
  orgNav,
  signIn,
  signUp,
  unique,
  verify,
} from './helpers';

test('(1) a billing manager invited by email signs up, verifies, accepts, and is listed', async ({ browser }) => {
  const { admin, org } = await newOrg(browser, 'enterprise');
  await billing(admin, org);
  const email = `${unique('bm')}@example.com`;
  await inviteBillingManagers(admin, [email]);
  await expect(admin.getByTestId('bm-invitations')).toContainText(email);

  // The invitee opens the emailed link signed out, signs up from there and verifies.
  const link = await linkFromEmail(email, '/invites/');
  const invitee = await (await browser.newContext()).newPage();
  await goto(invitee, link);
  await expect(invitee.getByRole('heading', { name: /as a billing manager/ })).toBeVisible();
  await invitee.getByRole('link', { name: 'Create an account' }).click();
  await expect(invitee).toHaveURL(/\/signup\?next=/);
  await signUp(invitee, 'Bea Counter', email);
  // Signed up, the invitee is back on the invitation; they verify, then accept.
  await expect(invitee).toHaveURL(new RegExp(`${new URL(link).pathname}$`));
  await verify(invitee, email);
  await accept(invitee, link);
  await expect(invitee).toHaveURL(new RegExp(`/${org}/settings/billing$`));

  await billing(admin, org);
  const row = admin.getByTestId('billing-managers').locator('tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Bea Counter');
  await expect(row).toContainText(email);
  await expect(row.locator('td').nth(2)).toHaveText(/^\d{4}-\d{2}-\d{2}$/);
  await expect(admin.getByTestId('bm-invitations')).toContainText('No pending invitations');
});

test('(2) a copied link works once, then shows "no longer valid"', async ({ browser }) => {
  const { admin, org } = await newOrg(browser, 'enterprise');
  await billing(admin, org);
  const link = await copyBillingManagerLink(admin);
  expect(link).toContain('/invites/');

  const first = await newPerson(browser, 'First Taker', `${unique('first')}@example.com`);
  await accept(first, link);
  await expect(first).toHaveURL(new RegExp(`/${org}/settings/billing$`));

  const second = await newPerson(browser, 'Second Taker', `${unique('second')}@example.com`);
  await goto(second, link);
  await expect(second.getByTestId('invite-invalid')).toHaveText('This invitation is no longer valid');
});

test('(2b) someone already signed up finds an email invitation on Home and accepts it there', async ({ browser }) => {
  const { admin, org } = await newOrg(browser, 'enterprise');
  const email = `${unique('hal')}@example.com`;
  const invitee = await newPerson(browser, 'Hal Ledger', email);
  await billing(admin, org);
  await inviteBillingManagers(admin, [email]);

  // Without the email: Home lists what waits for the account's verified address.
  await invitee.locator('header').getByRole('link', { name: 'Purser' }).click();
  const invitations = invitee.getByTestId('my-invitations');
  await expect(invitations).toContainText(`${org} invites you to join as a billing manager.`);
  await expect(invitations).toContainText('Sent by Olga Owner');
  await invitations.getByRole('button', { name: `Accept the invitation to join ${org}` }).click();
  await expect(invitee).toHaveURL(new RegExp(`/${org}/settings/billing$`));
  await expect(invitee.getByRole('heading', { level: 1, name: 'Billing & usage' })).toBeVisible();

  // Accepted: Home lists the organization and no longer the invitation (reloaded, so
  // the server renders Home whole and the check cannot run before the list arrives).
  await invitee.locator('header').getByRole('link', { name: 'Purser' }).click();
  await expect(invitee.getByRole('heading', { name: 'Your organizations' })).toBeVisible();
  await invitee.reload();
  await hydrated(invitee);
  await expect(invitee.locator('.org-list')).toContainText(org);
  await expect(invitee.getByTestId('my-invitations')).toHaveCount(0);
});

test('(3) on Team a second billing manager cannot accept, and the admin sees why', async ({ browser }) => {
  const { admin, org } = await newOrg(browser, 'team');
  await billing(admin, org);
  const [a, b] = [`${unique('a')}@example.com`, `${unique('b')}@example.com`];
  await inviteBillingManagers(admin, [a, b]);

  const first = await newPerson(browser, 'Ann', a);
  await accept(first, await linkFromEmail(a, '/invites/'));
  await expect(first).toHaveURL(new RegExp(`/${org}/settings/billing$`));

  const second = await newPerson(browser, 'Ben', b);
  await accept(second, await linkFromEmail(b, '/invites/'));
  await expect(second.getByRole('alert')).toContainText('limit of billing managers');

  await billing(admin, org);
  const pending = admin.getByTestId('bm-invitations').locator('tbody tr', { hasText: b });
  await expect(pending.getByTestId('invitation-status')).toContainText('last attempt failed');
  await expect(pending.getByTestId('invitation-status')).toContainText('limit of billing managers');
});

test('(4) one admin, two members and a billing manager make a member count of three', async ({ page }) => {
  await signIn(page, 'alice@acme.example', 'alice-demo-password');
  await openOrg(page, 'acme');
  await expect(page.getByTestId('member-count')).toHaveText('3 members');
  await openPage(page, 'Billing & usage');
  await expect(page.getByTestId('member-count')).toContainText('3 members');
  await expect(page.getByTestId('billing-managers')).toContainText('Dana Ledger');
  await expect(page.getByTestId('billing-managers')).toContainText('dana@acme.example');
  await expect(page.getByTestId('bm-invitations')).toContainText('erin@acme.example');
});

test('(5) a billing manager sees names only and is refused everything else', async ({ page }) => {
  await signIn(page, 'dana@acme.example', 'dana-demo-password');
  await billing(page, 'acme');
  const names = page.getByTestId('billing-managers');
  await expect(names).toHaveText('Dana Ledger');
  await expect(page.locator('main')).not.toContainText('@acme.example');
  await expect(page.getByRole('button', { name: 'Invite Billing Managers' })).toHaveCount(0);
  await expect(page.getByTestId('bm-invitations')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Members' })).toHaveCount(0);
  await expect(orgNav(page).getByRole('link')).toHaveText(['Billing & usage']);

  // Their addresses, typed, are refused by the server (a fresh test opens one in the
  // browser: foundation.spec.ts).
  for (const path of ['/acme/settings/members', '/acme/settings/identity']) {
    const res = await page.request.get(path);
    expect(res.status(), path).toBe(403);
    const html = await res.text();
    expect(html, path).toContain('Not allowed');
    expect(html, path).not.toContain('Alice');
  }
  // The API refuses the audit log, settings and invitations.
  for (const path of ['/api/orgs/acme/auditlogs', '/api/orgs/acme/identity-provider', '/api/orgs/acme/invites']) {
    const res = await page.request.get(path);
    expect(res.status(), path).toBe(403);
  }
});

test('(6) an admin removes a billing manager and their next request is refused', async ({ browser }) => {
  const { admin, org } = await newOrg(browser, 'enterprise');
  await billing(admin, org);
  const link = await copyBillingManagerLink(admin);
  const bm = await newPerson(browser, 'Rita Removed', `${unique('rita')}@example.com`);
  await accept(bm, link);
  await expect(bm).toHaveURL(new RegExp(`/${org}/settings/billing$`));

  await billing(admin, org);
  await admin.locator('summary[aria-label="Actions for Rita Removed"]').click();
  await admin.getByRole('button', { name: 'Remove Billing Manager' }).first().click();
  const dialog = admin.getByRole('dialog', { name: 'Remove billing manager?' });
  await expect(dialog).toContainText('Rita Removed will lose access');
  await dialog.getByRole('button', { name: 'Remove Billing Manager' }).click();
  await expect(dialog).toBeHidden();
  await expect(admin.getByTestId('billing-managers')).toContainText('No billing managers yet');

  // Their next request, by clicking: to the start page (which still lists the
  // organization it loaded) and into the organization again.
  await bm.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link').click();
  await expect(bm.getByRole('heading', { name: 'Your organizations' })).toBeVisible();
  await (await orgLink(await openSwitcher(bm), org)).click();
  await expect(bm.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await expect(bm.getByTestId('billing-managers')).toHaveCount(0);
  expect((await bm.request.get(`/api/orgs/${org}/billing-managers`)).status()).toBe(404);
});

test('(7) with a directory, an outsider is refused and recorded, then succeeds once added', async ({ browser }) => {
  const { admin, org } = await newOrg(browser, 'enterprise');
  await openPage(admin, 'Identity provider');
  await admin.getByLabel('Identity provider').selectOption('directory');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(admin.getByTestId('directory')).toContainText('@example.com');

  await billing(admin, org);
  const link = await copyBillingManagerLink(admin);
  const email = `${unique('outsider')}@example.com`;
  const outsider = await newPerson(browser, 'Otto Outside', email);
  await accept(outsider, link);
  await expect(outsider.getByRole('alert')).toContainText('identity provider');

  await billing(admin, org);
  await expect(admin.getByTestId('bm-invitations').getByTestId('invitation-status')).toContainText('identity provider');

  await openPage(admin, 'Identity provider');
  await admin.getByLabel('Email to add').fill(email);
  await admin.getByRole('button', { name: 'Add email' }).click();
  await expect(admin.getByTestId('directory')).toContainText(email);

  await accept(outsider, link);
  await expect(outsider).toHaveURL(new RegExp(`/${org}/settings/billing$`));
});
