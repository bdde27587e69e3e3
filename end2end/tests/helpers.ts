import { APIRequestContext, Page, expect } from '@playwright/test';

/** Waits until the page is interactive (the WASM bundle hydrated it). */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 30_000 });
}

export async function goto(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
}

/** The first link in the newest email to `to`, from the development mailbox. */
export async function linkFromEmail(request: APIRequestContext, to: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(async () => {
      const messages: { to: string; body: string }[] = await (await request.get('/dev/mailbox.json')).json();
      const message = messages.find((m) => m.to === to);
      link = message?.body.match(/https?:\/\/\S+/)?.[0];
      return link;
    })
    .toBeTruthy();
  return link!;
}

export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export async function signIn(page: Page, email: string, password: string) {
  await goto(page, '/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toBeVisible();
}
