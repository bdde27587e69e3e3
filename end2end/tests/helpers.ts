import { Browser, Locator, Page, expect } from '@playwright/test';
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

/** Signs in from the sign-in page, the first page of a test in `page`. */
export async function signIn(page: Page, email: string, password: string) {
  await goto(page, '/signin');
  await fillSignIn(page, email, password);
  await expect(page.getByTestId('signed-in-as')).toBeVisible();
}

/**
 * Signs in from `/signin?next=<next>`, the first page of a test in `page`: the way a
 * person reaches a page by its address (a bookmark, a typed URL). Only for pages a test
 * means to open by address, such as the check that a role is refused one.
 */
export async function signInTo(page: Page, next: string, email: string, password: string) {
  await goto(page, `/signin?next=${encodeURIComponent(next)}`);
  await fillSignIn(page, email, password);
  await expect(page).toHaveURL(new RegExp(`${reEscape(next)}$`));
  await expect(page.getByTestId('signed-in-as')).toBeVisible();
}

async function fillSignIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

function reEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The organization's navigation (its pages, then Settings). */
export function orgNav(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Organization' });
}

/** Opens the header's organization switcher and returns its menu. */
export async function openSwitcher(page: Page): Promise<Locator> {
  const header = page.locator('header');
  await header.getByLabel('Switch organization').click();
  const menu = header.locator('.switcher .menu-items');
  await expect(menu).toBeVisible();
  return menu;
}

/** The switcher's link to `org`, by URL name or display name. */
export async function orgLink(menu: Locator, org: string): Promise<Locator> {
  // (A URL name is lower-case letters, digits and hyphens: safe in a selector.)
  if (/^[a-z0-9-]+$/.test(org)) {
    const byName = menu.locator(`a[data-org="${org}"]`);
    if ((await byName.count()) > 0) return byName;
  }
  return menu.getByRole('link').filter({ has: menu.page().getByText(org, { exact: true }) });
}

/**
 * Opens an organization through the header's switcher (by URL name or display name);
 * the app goes to the organization's home page for the caller's role (Members, or
 * Billing & usage for billing managers).
 */
export async function openOrg(page: Page, org: string) {
  const link = await openSwitcher(page).then((menu) => orgLink(menu, org));
  const name = (await link.getAttribute('data-org')) ?? org;
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/${reEscape(name)}/settings/(members|billing)$`));
  // The navigation drawn for this organization, not the one of the page before.
  await expect(orgNav(page).getByRole('link').first()).toHaveAttribute('href', new RegExp(`^/${reEscape(name)}/`));
  await expect(orgNav(page).locator('a[aria-current="page"]')).toHaveCount(1);
}

/** The main heading of each page of the Organization navigation. */
const headings: Record<string, string> = {
  Stacks: 'Stacks',
  Teams: 'Teams',
  Policies: 'Policies',
  Members: 'Members',
  'Billing & usage': 'Billing & usage',
  'Identity provider': 'Identity provider',
  'Access tokens': 'Organization access tokens',
  'Audit log': 'Audit log',
};

/**
 * Opens a page of the organization shown by clicking its link in the Organization
 * navigation. A page already shown is left by another link (or by the switcher) and
 * opened again, so that what it shows is loaded afresh.
 */
export async function openPage(page: Page, label: string) {
  const nav = orgNav(page);
  const link = nav.getByRole('link', { name: label, exact: true });
  await expect(link).toBeVisible();
  if ((await link.getAttribute('aria-current')) === 'page') {
    const others = nav.locator('a:not([aria-current="page"])');
    if ((await others.count()) > 0) {
      const other = others.first();
      const href = (await other.getAttribute('href'))!;
      await other.click();
      await expect(page).toHaveURL(new RegExp(`${reEscape(href)}$`));
      await expect(nav.locator(`a[href="${href}"]`)).toHaveAttribute('aria-current', 'page');
    } else {
      // The role's only page: back to the start page and in again.
      const href = (await link.getAttribute('href'))!;
      const org = href.split('/')[1];
      await page.getByRole('link', { name: 'Purser', exact: true }).click();
      await expect(page.getByRole('heading', { name: 'Your organizations' })).toBeVisible();
      await openOrg(page, org);
    }
  }
  await link.click();
  await expect(link).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1, name: headings[label] ?? label, exact: true })).toBeVisible();
}

/** Signs up in `page` on the sign-up form it shows, staying signed in. */
export async function signUp(page: Page, name: string, email: string) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByTestId('signed-in-as')).toBeVisible();
}

/** Opens the verification link emailed to `email` and confirms it (signed in as its account). */
export async function verify(page: Page, email: string) {
  await page.goto(await linkFromEmail(email, '/verify-email'));
  await hydrated(page);
  await page.getByRole('button', { name: 'Verify email address' }).click();
  await expect(page.getByTestId('verified')).toBeVisible();
}

/** A new verified person in a browser of their own (the sign-up page is its first page). */
export async function newPerson(browser: Browser, name: string, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await goto(page, '/signup');
  await signUp(page, name, email);
  await verify(page, email);
  return page;
}

/** Creates an organization by clicking from wherever `page` is (signed in, verified). */
export async function createOrg(
  page: Page,
  org: string,
  edition: 'team' | 'enterprise' | 'business-critical',
  displayName?: string,
) {
  const header = page.locator('header');
  const create = header.getByRole('link', { name: 'Create an organization' });
  if ((await create.count()) > 0) {
    await create.click();
  } else {
    await (await openSwitcher(page)).getByRole('link', { name: '+ New organization' }).click();
  }
  await expect(page).toHaveURL(/\/orgs\/new$/);
  await expect(page.getByRole('heading', { name: 'Create an organization' })).toBeVisible();
  await page.getByLabel('URL name').fill(org);
  if (displayName) await page.getByLabel('Display name').fill(displayName);
  await page.getByLabel('Edition').selectOption(edition);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page).toHaveURL(new RegExp(`/${org}/settings/members$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible();
}

/** A new organization whose admin is a new person; returns the admin's page and the org. */
export async function newOrg(browser: Browser, edition: 'team' | 'enterprise'): Promise<{ admin: Page; org: string }> {
  const org = unique('org');
  const admin = await newPerson(browser, 'Olga Owner', `${unique('owner')}@example.com`);
  await createOrg(admin, org, edition);
  return { admin, org };
}

/** Opens Billing & usage of `org` by clicking: the switcher, then the navigation. */
export async function billing(page: Page, org: string) {
  await openOrg(page, org);
  // A billing manager's organization opens on it.
  if (!/\/settings\/billing$/.test(page.url())) await openPage(page, 'Billing & usage');
  await expect(page.getByRole('heading', { level: 1, name: 'Billing & usage' })).toBeVisible();
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

/**
 * Accepts the invitation at `url` in `page`: an invitation link (emailed, or copied
 * from the page and handed over) is opened by its address, as its recipient would.
 */
export async function accept(page: Page, url: string) {
  await goto(page, url);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
}
