import { expect, test as base } from '@playwright/test';

/**
 * Every test, in every page it opens, fails on a console error or an uncaught
 * exception (a panic in the WASM, a page module that failed to load, a CSP violation).
 * The browser's own "Failed to load resource: … status of 4xx" lines are not errors of
 * the page when the resource is a page or an API call (tests open refused and missing
 * pages on purpose); for the bundle (`/pkg/…`) they are.
 */
export const test = base.extend<{ consoleErrors: void }>({
  consoleErrors: [
    async ({ context, browser }, use) => {
      const problems: string[] = [];
      const watch = (page: import('@playwright/test').Page) => {
        page.on('console', (m) => {
          if (m.type() !== 'error') return;
          const refused = /^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text());
          if (refused && !/^https?:\/\/[^/]+\/pkg\//.test(m.location().url ?? '')) return;
          problems.push(`console: ${m.text()} (${m.location().url})`);
        });
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      };
      context.pages().forEach(watch);
      context.on('page', watch);
      // Tests open more people's browsers with browser.newContext(): watch those too.
      const newContext = browser.newContext;
      browser.newContext = async (...args) => {
        const opened = await newContext.apply(browser, args);
        opened.on('page', watch);
        return opened;
      };
      try {
        await use();
      } finally {
        browser.newContext = newContext;
      }
      expect(problems, 'console errors and uncaught exceptions').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
