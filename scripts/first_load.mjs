// The first-load benchmark: how long a person waits before a page works, in Chromium
// (Debian's, driven by Playwright over the DevTools protocol), from navigation start to
// hydration (`body[data-hydrated=true]`), with a cold cache and then warm (a second
// visit: content-hashed files are immutable, so it should fetch no WASM at all), on
// localhost and under two emulated networks (`Network.emulateNetworkConditions`).
//
//   node scripts/first_load.mjs BASE DEMO_JSON [RUNS]
//
// BASE is a running release build, DEMO_JSON what `purser demo --format json` printed
// for its database. Prints a Markdown table on stdout and writes the numbers as JSON to
// target/bench/first-load.json. Used by scripts/first-load.sh (`make bench`).
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// playwright-core comes with end2end's @playwright/test (`make setup` installs it).
const require = createRequire(join(root, 'end2end', 'package.json'));
const { chromium } = require('playwright-core');

const [base, demoPath, runsArg] = process.argv.slice(2);
if (!base || !demoPath) {
  console.error('usage: node scripts/first_load.mjs BASE DEMO_JSON [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const demo = JSON.parse(readFileSync(demoPath, 'utf8'));
const admin = demo.users.find((u) => u.role === 'admin');
const orgName = demo.org;

// Latency is added to every request, as the issue measured; throughput in bytes/s.
const networks = [
  { name: 'localhost', conditions: null },
  { name: '100 ms RTT, 10 Mbit/s', conditions: { latency: 100, down: 10e6 / 8, up: 5e6 / 8 } },
  { name: '300 ms RTT, 1.6 Mbit/s', conditions: { latency: 300, down: 1.6e6 / 8, up: 750e3 / 8 } },
];

const pages = [
  { name: 'Sign in', path: '/signin', signedIn: false },
  { name: 'Home', path: '/', signedIn: true },
  { name: 'Members', path: `/${orgName}/settings/members`, signedIn: true },
  { name: 'Billing & usage', path: `/${orgName}/settings/billing`, signedIn: true },
];

/** The admin's session cookie, from the sign-in server function. */
async function sessionCookie() {
  const res = await fetch(`${base}/fn/sign_in`, {
    method: 'POST',
    headers: { Origin: base, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: admin.email, password: admin.password }),
    redirect: 'manual',
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('purser_session=') && c !== 'purser_session=');
  if (!cookie) throw new Error(`signing in as ${admin.email} gave no session (${res.status})`);
  const [name, value] = cookie.split('=');
  return { name, value, url: base };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One visit in `page`: ms from navigation start to hydration, WASM files fetched over
 * the network (not from the cache) and their bytes on the wire. */
async function visit(page, cdp, url) {
  const wasm = new Map();
  const onSent = (e) => {
    if (new URL(e.request.url).pathname.endsWith('.wasm')) wasm.set(e.requestId, { cached: false, bytes: 0 });
  };
  const onCached = (e) => wasm.has(e.requestId) && (wasm.get(e.requestId).cached = true);
  const onFinished = (e) => wasm.has(e.requestId) && (wasm.get(e.requestId).bytes = e.encodedDataLength);
  const onResponse = (e) => {
    if (wasm.has(e.requestId) && (e.response.fromDiskCache || e.response.fromPrefetchCache)) {
      wasm.get(e.requestId).cached = true;
    }
  };
  cdp.on('Network.requestWillBeSent', onSent);
  cdp.on('Network.requestServedFromCache', onCached);
  cdp.on('Network.responseReceived', onResponse);
  cdp.on('Network.loadingFinished', onFinished);
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 120_000 });
  const ms = await page.evaluate(() => window.__purserHydratedAt);
  // Let the last events of the visit arrive before counting.
  await page.waitForTimeout(50);
  cdp.off('Network.requestWillBeSent', onSent);
  cdp.off('Network.requestServedFromCache', onCached);
  cdp.off('Network.responseReceived', onResponse);
  cdp.off('Network.loadingFinished', onFinished);
  const fetched = [...wasm.values()].filter((w) => !w.cached);
  return { ms, wasmFiles: fetched.length, wasmBytes: fetched.reduce((n, w) => n + w.bytes, 0) };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const cookie = await sessionCookie();
const results = [];
for (const target of pages) {
  for (const network of networks) {
    const cold = [];
    const warm = [];
    for (let i = 0; i < runs; i++) {
      // A fresh context is a cold cache.
      const context = await browser.newContext();
      if (target.signedIn) await context.addCookies([cookie]);
      // The moment hydration marks the body, relative to navigation start.
      await context.addInitScript(() => {
        new MutationObserver((_, observer) => {
          if (document.body?.dataset.hydrated === 'true') {
            window.__purserHydratedAt = performance.now();
            observer.disconnect();
          }
        }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
      });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      if (network.conditions) {
        const { latency, down, up } = network.conditions;
        await cdp.send('Network.emulateNetworkConditions', {
          offline: false,
          latency,
          downloadThroughput: down,
          uploadThroughput: up,
        });
      }
      cold.push(await visit(page, cdp, base + target.path));
      // A second visit in the same browser: the WASM should come from its cache.
      warm.push(await visit(page, cdp, base + target.path));
      await context.close();
    }
    const row = {
      page: target.name,
      network: network.name,
      coldMs: median(cold.map((r) => r.ms)),
      coldMinMs: Math.min(...cold.map((r) => r.ms)),
      coldMaxMs: Math.max(...cold.map((r) => r.ms)),
      warmMs: median(warm.map((r) => r.ms)),
      wasmFiles: Math.max(...cold.map((r) => r.wasmFiles)),
      wasmBytes: median(cold.map((r) => r.wasmBytes)),
      warmWasmFiles: Math.max(...warm.map((r) => r.wasmFiles)),
    };
    results.push(row);
    console.error(`${row.page} | ${row.network}: cold ${Math.round(row.coldMs)} ms, warm ${Math.round(row.warmMs)} ms, ${row.wasmFiles} WASM file(s)`);
  }
}
await browser.close();

const ms = (x) => `${Math.round(x)} ms`;
const lines = [
  `| page | WASM files (bytes on the wire) | ${networks.map((n) => `${n.name}: cold (min–max) / warm`).join(' | ')} |`,
  `| --- | ---: | ${networks.map(() => '---:').join(' | ')} |`,
];
for (const target of pages) {
  const rows = results.filter((r) => r.page === target.name);
  const files = `${rows[0].wasmFiles} (${Math.round(rows[0].wasmBytes / 1000)} KB); warm ${Math.max(...rows.map((r) => r.warmWasmFiles))}`;
  const cells = rows.map((r) => `${ms(r.coldMs)} (${Math.round(r.coldMinMs)}–${Math.round(r.coldMaxMs)}) / ${ms(r.warmMs)}`);
  lines.push(`| ${target.name} | ${files} | ${cells.join(' | ')} |`);
}
console.log(lines.join('\n'));
mkdirSync(join(root, 'target', 'bench'), { recursive: true });
writeFileSync(join(root, 'target', 'bench', 'first-load.json'), JSON.stringify({ runs, results }, null, 2));
