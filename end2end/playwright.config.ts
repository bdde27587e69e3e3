import { defineConfig } from '@playwright/test';

// Runs against the release build (`cargo leptos build --release`) on a fresh SQLite
// database with the demo organization, in Debian's Chromium (never a downloaded one).
const port = Number(process.env.PURSER_E2E_PORT ?? 3100);
const smtpPort = port + 25;
// serve.sh keeps its data and the SMTP server's Maildir here; the tests read mail from it.
process.env.PURSER_E2E_MAILDIR = `/tmp/purser-e2e-${port}/mail`;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
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
    },
  },
  webServer: {
    command: `bash ./serve.sh ${port} ${smtpPort}`,
    url: `http://127.0.0.1:${port}/api/openapi.json`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
