import { Browser, Page, expect } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

/** Waits until the page is interactive (the WASM bundle hydrated it). */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 30_000 });
}

export async function goto(page: Page, url: string) {
  await page.goto(url);
  await hydrated(page);
}

export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

type Mail = { to: string; body: string; time: number };

/** Every message the SMTP server received, decoded from quoted-printable. */
function mailbox(): Mail[] {
  const dir = path.join(process.env.PURSER_E2E_MAILDIR!, 'new');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((file) => {
    const full = path.join(dir, file);
    const raw = fs.readFileSync(full, 'utf8');
    const [head, ...rest] = raw.split(/\r?\n\r?\n/);
    const to = /^To: (.*)$/im.exec(head)?.[1]?.trim() ?? '';
    const body = rest.join('\n\n').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    return { to, body, time: fs.statSync(full).mtimeMs };
  });
}

/** The link containing `containing` in the newest email to `to`, as delivered over SMTP. */
export async function linkFromEmail(to: string, containing: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(
      () => {
        const found = mailbox()
          .filter((m) => m.to === to && m.body.includes(containing))
          .sort((a, b) => b.time - a.time)[0];
        link = found?.body.match(/https?:\/\/\S+/)?.[0];
        return link;
      },
      { timeout: 20_000 },
    )
    .toBeTruthy();
  return link!;
}

export async function signIn(page: Page, email: string, password: string) {
  await goto(page, '/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toBeVisible();
}

/** Signs up in `page` (optionally from a `?next=` page) and verifies through the emailed link. */
export async function signUpAndVerify(page: Page, name: string, email: string, signUpUrl = '/signup') {
  await goto(page, signUpUrl);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByTestId('signed-in-as')).toBeVisible();
  await page.goto(await linkFromEmail(email, '/verify-email'));
  await expect(page.getByTestId('verified')).toBeVisible();
}

/** A new verified person in a browser of their own. */
export async function newPerson(browser: Browser, name: string, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signUpAndVerify(page, name, email);
  return page;
}

/** A new organization whose admin is a new person; returns the admin's page and the org. */
export async function newOrg(browser: Browser, edition: 'team' | 'enterprise'): Promise<{ admin: Page; org: string }> {
  const org = unique('org');
  const admin = await newPerson(browser, 'Olga Owner', `${unique('owner')}@example.com`);
  await goto(admin, '/orgs/new');
  await admin.getByLabel('URL name').fill(org);
  await admin.getByLabel('Edition').selectOption(edition);
  await admin.getByRole('button', { name: 'Create organization' }).click();
  await expect(admin).toHaveURL(new RegExp(`/${org}/settings/members$`));
  return { admin, org };
}

/** Opens the admin's Billing & usage page. */
export async function billing(page: Page, org: string) {
  await goto(page, `/${org}/settings/billing`);
  await expect(page.getByRole('heading', { name: 'Billing & usage' })).toBeVisible();
}

/** Invites billing managers through the dialog. */
export async function inviteBillingManagers(page: Page, emails: string[]) {
  await page.getByRole('button', { name: 'Invite Billing Managers' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite billing managers' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Email addresses')).toBeFocused();
  await dialog.getByLabel('Email addresses').fill(emails.join(', '));
  await dialog.getByRole('button', { name: 'Send invitations' }).click();
  await expect(dialog).toBeHidden();
}

/** Creates a billing-manager invite link and reads it from the page. */
export async function copyBillingManagerLink(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Copy Billing Manager invite link' }).click();
  const input = page.getByTestId('invite-link');
  await expect(input).toBeVisible();
  return input.inputValue();
}

/** Accepts the invitation at `url` in `page`. */
export async function accept(page: Page, url: string) {
  await goto(page, url);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
}
