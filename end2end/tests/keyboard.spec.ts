import { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { orgNav, signIn, unique } from './helpers';

/** Whether `locator` is the focused element. */
async function focused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === document.activeElement).catch(() => false);
}

/** Presses Tab until `target` has the focus (at most `max` times). */
async function tabTo(page: Page, target: Locator, max = 60) {
  await expect(target).toBeVisible();
  for (let i = 0; i < max; i++) {
    if (await focused(target)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target, `reached by Tab within ${max} presses`).toBeFocused();
}

/** What has the focus, for messages. */
async function describeFocus(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return 'nothing';
    const name = el.getAttribute('aria-label') ?? (el as HTMLElement).innerText?.trim().slice(0, 40) ?? '';
    return `<${el.tagName.toLowerCase()}${el.id ? ` id="${el.id}"` : ''}> ${name}`;
  });
}

test('an admin invites a member with the keyboard only: the dialog traps focus, Escape returns it', async ({ page }) => {
  // Signing in with a click is allowed; from here on, only the keyboard.
  await signIn(page, 'alice@acme.example', 'alice-demo-password');

  // From the start page into the organization by its link, then to Members by the
  // Organization navigation (by way of Stacks, so that Members is really chosen).
  await tabTo(page, page.getByRole('main').getByRole('link', { name: 'Acme Corp' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/acme\/settings\/members$/);
  const nav = orgNav(page);
  await tabTo(page, nav.getByRole('link', { name: 'Stacks', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/acme\/stacks$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Stacks' })).toBeVisible();
  await tabTo(page, nav.getByRole('link', { name: 'Members', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/acme\/settings\/members$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible();

  // The invite button opens the dialog with the focus on its first field.
  const opener = page.getByRole('button', { name: 'Invite members' });
  await tabTo(page, opener);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Invite members' });
  await expect(dialog).toBeVisible();
  const emails = dialog.getByLabel('Email addresses');
  await expect(emails).toBeFocused();

  // Tab cycles inside the dialog: the focus never reaches the page behind it. Past the
  // last button the native modal dialog lets the focus out of the page to the browser's
  // own controls (the address bar; the document then has no focus at all), and the
  // next Tab brings it back to the dialog's first field.
  const where = () =>
    dialog.evaluate((d) => ({
      inDialog: d.contains(document.activeElement),
      inBrowser: !document.hasFocus() && (document.activeElement === document.body || !document.activeElement),
    }));
  for (const key of ['Tab', 'Shift+Tab']) {
    const seen = new Set<string>();
    let outside = 0;
    for (let i = 1; i <= 8; i++) {
      await page.keyboard.press(key);
      const { inDialog, inBrowser } = await where();
      const msg = `${key} ${i} moved the focus out of the dialog, to ${await describeFocus(page)}`;
      expect(inDialog || inBrowser, msg).toBe(true);
      if (inDialog) {
        outside = 0;
        seen.add(await describeFocus(page));
      } else {
        outside += 1;
        expect(outside, `${key} ${i}: the focus stayed out of the dialog`).toBe(1);
      }
    }
    // It went round: the field, Cancel and Send invitations were each reached.
    expect([...seen].sort(), `${key} reached every control of the dialog`).toHaveLength(3);
  }
  await tabTo(page, emails, 4);

  // Escape closes it and gives the focus back to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  // Again, this time sending an invitation.
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await expect(emails).toBeFocused();
  const address = `${unique('keys')}@example.com`;
  await page.keyboard.type(address);
  const send = dialog.getByRole('button', { name: 'Send invitations' });
  await tabTo(page, send, 5);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('member-invitations')).toContainText(address);
});

test("a dialog opened from a row's ⋯ menu gives the focus back to the menu when it closes", async ({ page }) => {
  await signIn(page, 'alice@acme.example', 'alice-demo-password');
  await tabTo(page, page.getByRole('main').getByRole('link', { name: 'Acme Corp' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/acme\/settings\/members$/);

  // The menu opens from its ⋯ button; its item opens the dialog; Escape closes it.
  const menu = page.getByRole('row', { name: /Bob Builder/ }).locator('summary');
  await tabTo(page, menu);
  await page.keyboard.press('Enter');
  const remove = page.getByRole('button', { name: 'Remove from organization' });
  await tabTo(page, remove, 5);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Remove from organization?' });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  // The item is hidden again with its closed menu: the focus is on the menu's button,
  // where the person left off, not lost to the page.
  await expect(menu, `focus is on ${await describeFocus(page)}`).toBeFocused();

  // Escape shuts the menu itself too, with the focus staying on its button.
  await page.keyboard.press('Enter');
  await expect(remove).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(remove).toBeHidden();
  await expect(menu).toBeFocused();
});

test('the organization switcher is a menu of links: moving through it leaves the page only when one is chosen', async ({ page }) => {
  await signIn(page, 'alice@acme.example', 'alice-demo-password');
  const start = page.url();
  const switcher = page.locator('header').getByLabel('Switch organization');
  const menu = page.locator('header .switcher .menu-items');
  await tabTo(page, switcher);

  // Escape shuts the menu and leaves the focus on its button.
  await page.keyboard.press('Enter');
  await expect(menu).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(switcher).toBeFocused();

  // Through the organizations (Tab, and an arrow key as on a select) to "+ New
  // organization": still on the same page. Tab past the last item shuts the menu.
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(menu.getByRole('link').first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await tabTo(page, menu.getByRole('link', { name: '+ New organization' }), 20);
  expect(page.url()).toBe(start);
  await page.keyboard.press('Tab');
  await expect(menu).toBeHidden();
  expect(page.url()).toBe(start);

  // Chosen with Enter, the organization opens, the menu shuts and the focus is back on
  // its button.
  await page.keyboard.press('Shift+Tab');
  await expect(switcher).toBeFocused();
  await page.keyboard.press('Enter');
  await tabTo(page, menu.locator('a[data-org="acme"]'), 20);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/acme\/settings\/members$/);
  await expect(menu).toBeHidden();
  await expect(switcher).toBeFocused();
  await expect(switcher).toHaveText('Acme Corp');
});
