import { expect, test } from './fixtures';
import { openOrg, signIn } from './helpers';

/** The page modules (`split_<page>…wasm`) the browser has requested so far. */
function pageModules(requested: string[], page: string): string[] {
  const own = new RegExp(`/pkg/split___${page}_view_\\d+\\.[0-9a-f]{16}\\.wasm$`);
  return requested.filter((url) => own.test(url));
}

test("a page's own code is preloaded with it, and another page's is fetched only when it is opened", async ({
  page,
}) => {
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));

  await signIn(page, 'alice@acme.example', 'alice-demo-password');
  // Loaded afresh (as after pressing reload): the start page as the server sends it.
  const response = await page.reload();
  const html = await response!.text();
  const links = html.match(/<link[^>]*>/g) ?? [];
  const preloads = (rel: string, href: RegExp) =>
    links.filter((l) => l.includes(`rel="${rel}"`) && href.test(l));
  expect(preloads('preload', /href="\/pkg\/split___home_view_\d+\.[0-9a-f]{16}\.wasm"/)).toHaveLength(1);
  expect(preloads('modulepreload', /href="\/pkg\/__wasm_split\.[0-9a-f]{16}\.js"/)).toHaveLength(1);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  expect(pageModules(requested, 'home').length).toBeGreaterThan(0);
  expect(pageModules(requested, 'members_page')).toEqual([]);
  expect(pageModules(requested, 'billing_page')).toEqual([]);

  // The organization opens on Members for an admin: its code comes now.
  await openOrg(page, 'acme');
  await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible();
  expect(pageModules(requested, 'members_page').length).toBe(1);
  expect(pageModules(requested, 'billing_page')).toEqual([]);
});
