import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { goto, openOrg, signIn } from './helpers';

// Stripe as the payment processor, in the browser: a second Purser (the suite's own
// server keeps the built-in processor) choosing Stripe, against localstripe (PyPI), a
// Stripe-compatible server that also serves a Stripe.js whose card fields are plain
// inputs and whose 3-D Secure challenge is a dialog with two buttons. (Its Stripe.js
// declares a global `class Element`, hiding the DOM's `Element` from the page's WASM,
// whose `instanceof Element` checks then fail: after its fields are mounted, a page
// stops rendering other pages. Stripe's own Stripe.js does not; so each test here opens
// a new page where it moves on, as from an emailed link.)

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'target/release/purser');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string) {
  await expect
    .poll(async () => (await fetch(url).catch(() => undefined))?.ok ?? false, { timeout: 30_000 })
    .toBe(true);
}

type StripePurser = { base: string; run: (...args: string[]) => void; stop: () => void };

/** The link in the newest email to `to` whose subject has `about`, from the outbox. */
async function emailedLink(base: string, to: string, about: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(
      async () => {
        const messages: { to: string; subject: string; body: string }[] = await (await fetch(`${base}/dev/mailbox.json`)).json();
        link = messages.find((m) => m.to === to && m.subject.includes(about))?.body.match(/https?:\/\/\S+/)?.[0];
        return link;
      },
      { timeout: 20_000 },
    )
    .toBeTruthy();
  return link!;
}

async function startStripePurser(): Promise<StripePurser> {
  const [stripePort, port] = [await freePort(), await freePort()];
  const work = fs.mkdtempSync('/tmp/purser-e2e-stripe-');
  const children: ChildProcess[] = [];
  const stop = () => {
    children.forEach((c) => c.kill());
    fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    children.push(
      spawn('python3', ['-m', 'localstripe', '--port', String(stripePort), '--from-scratch'], { stdio: 'ignore' }),
    );
    const stripe = `http://127.0.0.1:${stripePort}`;
    await waitFor(`${stripe}/js.stripe.com/v3/`);
    const base = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      PURSER_PAYMENT_PROCESSOR: 'stripe',
      PURSER_STRIPE_SECRET_KEY: 'sk_test_e2e',
      PURSER_STRIPE_PUBLISHABLE_KEY: 'pk_test_e2e',
      PURSER_STRIPE_WEBHOOK_SECRET: 'whsec_e2e',
      PURSER_STRIPE_API_BASE: stripe,
      PURSER_STRIPE_JS_URL: `${stripe}/js.stripe.com/v3/`,
      PURSER_BASE_URL: base,
    };
    const run = (...args: string[]) => execFileSync(bin, ['--data-dir', work, ...args], { env, stdio: 'ignore' });
    run('demo');
    children.push(
      // (Its email stays in the outbox, read from the development mailbox.)
      spawn(bin, ['--data-dir', work, 'serve', '--addr', `127.0.0.1:${port}`, '--site-root', path.join(root, 'target/site'), '--dev-mailbox'], {
        env,
        stdio: 'ignore',
      }),
    );
    await waitFor(`${base}/api/openapi.json`);
    // Stripe's webhooks go to this Purser.
    const hook = await fetch(`${stripe}/_config/webhooks/purser`, {
      method: 'POST',
      body: new URLSearchParams({ url: `${base}/webhooks/stripe`, secret: 'whsec_e2e' }),
    });
    expect(hook.ok).toBe(true);
    return { base, run, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

/** The demo's billing manager on Billing & usage of the Stripe-configured Purser. */
async function billingManager(browser: Browser, base: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  await signIn(page, 'dana@acme.example', 'dana-demo-password');
  await openOrg(page, 'acme');
  await expect(page.getByRole('heading', { level: 1, name: 'Billing & usage' })).toBeVisible();
  return page;
}

/** Types a card into Stripe's fields in the Update credit card dialog and saves it. */
async function enterCard(page: Page, number: string) {
  await page.getByRole('button', { name: 'Update credit card' }).click();
  const dialog = page.getByRole('dialog', { name: 'Update credit card' });
  await dialog.getByLabel('Cardholder name').fill('Dana Ledger');
  const fields = dialog.getByTestId('stripe-card');
  for (const [field, value] of [
    ['number', number],
    ['exp_month', '12'],
    ['exp_year', '34'],
    ['cvc', '123'],
    ['postal_code', '10001'],
  ]) {
    const input = fields.getByPlaceholder(field, { exact: true });
    await input.click();
    await input.pressSequentially(value);
  }
  await dialog.getByRole('button', { name: 'Save card' }).click();
  return dialog;
}

/**
 * This month: billed by hand here, as the cycle will bill it once it ends (the server
 * billed last month when it started, before the card below was entered).
 */
function thisMonth(): string {
  const now = new Date();
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

test('with Stripe, a billing manager enters a card in Stripe’s fields and the number never reaches Purser', async ({
  browser,
}) => {
  const stripe = await startStripePurser();
  try {
    const page = await billingManager(browser, stripe.base);
    const toPurser: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(stripe.base)) toPurser.push(`${r.url()} ${r.postData() ?? ''}`);
    });
    const dialog = await enterCard(page, '4000056655665556');
    await expect(dialog).toBeHidden();
    const card = page.getByTestId('payment-method');
    await expect(card).toContainText('Visa ending in 5556');
    await expect(card).toContainText('12/2034');
    await expect(card).toContainText('Dana Ledger');
    expect(toPurser.length).toBeGreaterThan(0);
    expect(toPurser.filter((r) => r.includes('4000056655665556') || r.includes('5566556'))).toEqual([]);
  } finally {
    stripe.stop();
  }
});

test('with Stripe, a card that asks for 3-D Secure is saved and its payment completed by the card holder', async ({
  browser,
}) => {
  const stripe = await startStripePurser();
  try {
    const page = await billingManager(browser, stripe.base);
    // The bank's challenge when the card is saved: passed.
    await enterCard(page, '4000002760003184');
    await page.locator('body > div > button', { hasText: 'Complete authentication' }).click();
    await expect(page.getByTestId('payment-method')).toContainText('Visa ending in 3184');

    // The monthly cycle charges it off-session; the bank asks for the card holder, and
    // the billing manager follows the emailed link.
    stripe.run('billing', 'run', '--period', thisMonth());
    // (A link from a mail client opens in a tab of its own.)
    const tab = await page.context().newPage();
    await goto(tab, await emailedLink(stripe.base, 'dana@acme.example', 'authenticate'));
    const payments = tab.getByTestId('payments');
    const row = payments.locator('tbody tr', { hasText: 'Authentication required' });
    await expect(row).toBeVisible();
    await row.getByRole('button', { name: 'Complete authentication' }).click();
    await tab.locator('body > div > button', { hasText: 'Complete authentication' }).click();
    await expect(payments.locator('tbody tr', { hasText: `member(s) · ${thisMonth()}` })).toContainText('Paid');
    await expect(payments.locator('tbody tr', { hasText: 'Authentication required' })).toHaveCount(0);
  } finally {
    stripe.stop();
  }
});
