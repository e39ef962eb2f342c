import { fileURLToPath } from 'node:url'
import { defineConfig } from '@playwright/test'
import { chromiumArgs, chromiumPath } from './e2e/chromium'
import { findElectronBinary } from './scripts/lib/electron-binary.mjs'

const root = fileURLToPath(new URL('.', import.meta.url))

const electron = findElectronBinary(root)
// The config is loaded by the runner and again by every worker: say it once.
if (!electron.ok && process.env.TEST_WORKER_INDEX === undefined) {
  console.log(`[e2e] project "electron" is skipped: ${electron.reason}`)
}

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  // Each test runs a chat server, two headless client cores and a browser on 2 cores.
  workers: process.env.CI ? 1 : 2,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  outputDir: 'test-results',
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    // The specs read English UI text (notices, errors).
    locale: 'en-US',
  },
  projects: [
    {
      name: 'web',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: chromiumPath,
          args: chromiumArgs,
        },
      },
    },
    // The same specs through the desktop app; e2e/fixtures.ts skips them, with the
    // reason, where there is no Electron binary.
    { name: 'electron' },
  ],
})
