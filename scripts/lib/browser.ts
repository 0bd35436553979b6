import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, with everything that reaches for the network switched off: this
 * machine has none, and each refused connection slows the start (never a downloaded browser).
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export const launchChromium = (executablePath = '/usr/bin/chromium'): Promise<Browser> =>
  chromium.launch({ executablePath, args: CHROMIUM_ARGS });
