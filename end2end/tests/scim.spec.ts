import { expect, test } from './fixtures';
import { newOrg, openPage, unique } from './helpers';

/** What an identity provider sends: a SCIM request with the token an admin gave it. */
async function scim(baseURL: string, org: string, token: string, method: string, path: string, body?: object) {
  const res = await fetch(`${baseURL}/scim/v2/${org}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

test('an admin gives the identity provider a SCIM token; it provisions and deprovisions a member, then is revoked', async ({
  browser,
  baseURL,
}) => {
  const { admin, org } = await newOrg(browser, 'enterprise');
  const email = `${unique('dana')}@corp.example`;

  await openPage(admin, 'Identity provider');
  await admin.getByLabel('Identity provider', { exact: true }).selectOption('directory');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  const section = admin.getByTestId('scim');
  await expect(section.getByTestId('scim-url')).toHaveText(`${baseURL}/scim/v2/${org}`);
  await section.getByLabel('Token for').fill('Okta');
  await section.getByRole('button', { name: 'Create SCIM token' }).click();
  const token = (await section.getByTestId('scim-token').textContent())!.trim();
  expect(token).toMatch(/^pur_scim_/);
  await expect(section.getByTestId('scim-tokens')).toContainText('Okta');

  // The provider provisions Dana: she is a member, counted on the Members page.
  const made = await scim(baseURL!, org, token, 'POST', '/Users', {
    userName: email,
    name: { givenName: 'Dana', familyName: 'Scully' },
    displayName: 'Dana Scully',
    emails: [{ value: email, type: 'work', primary: true }],
  });
  expect(made.status).toBe(201);
  await openPage(admin, 'Members');
  await expect(admin.getByTestId('members-table')).toContainText('Dana Scully');
  await expect(admin.getByTestId('member-count')).toContainText('2 members');

  // Deactivated by the provider, she is gone from the page at once.
  const off = await scim(baseURL!, org, token, 'PATCH', `/Users/${made.body.id}`, {
    Operations: [{ op: 'replace', path: 'active', value: false }],
  });
  expect(off.status).toBe(200);
  await admin.reload();
  await expect(admin.getByTestId('member-count')).toContainText('1 member');
  await expect(admin.getByTestId('members-table')).not.toContainText('Dana Scully');

  // Revoked on the page, the token stops working.
  await openPage(admin, 'Identity provider');
  await admin.getByTestId('scim').getByRole('button', { name: 'Revoke the SCIM token for Okta' }).click();
  await expect(admin.getByTestId('scim-tokens')).not.toContainText('Okta');
  expect((await scim(baseURL!, org, token, 'GET', '/Users')).status).toBe(401);
});
