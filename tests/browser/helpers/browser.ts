/// <reference lib="dom" />
// (DOM types: the functions handed to page.evaluate and $$eval run in the browser.)
/**
 * Debian's Chromium driven by playwright-core (no browser download: the
 * binary comes from `apt-get install -y chromium`), one page per test, with
 * every console error and uncaught page error collected.
 */
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DARKSCOPE_CHROMIUM ?? '/usr/bin/chromium';
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions, in order. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** A laptop-sized page whose console errors and page errors are recorded. */
export async function openPage(browser: Browser, viewport = { width: 1440, height: 900 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e: Error) => errors.push(`pageerror: ${e.message}`));
  return { page, errors, close: () => context.close() };
}

/** Waits until the view of the current URL has loaded (data-state ready) or failed; returns which. */
export async function settled(page: Page): Promise<'ready' | 'error'> {
  await page.waitForFunction(() => {
    const b = document.body.dataset;
    return (b.state === 'ready' || b.state === 'error') && b.view === location.hash;
  }, undefined, { timeout: 30_000 });
  return (await page.evaluate(() => document.body.dataset.state)) as 'ready' | 'error';
}
