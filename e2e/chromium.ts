/**
 * The Chromium the web e2e project and the long-history benchmark drive, and its launch
 * flags: Debian's Chromium here, any Chromium Playwright can drive elsewhere.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Headless in a VM without a GPU, and no background traffic to disturb timings. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
