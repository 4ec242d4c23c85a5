// browser.mjs: headless Debian Chromium driven by playwright-core, and the web/ server, for the
// browser suites. Screenshots go to build/screenshots/ as test artifacts.
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import { serve } from '../../web/serve.mjs';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Start the server and the browser; returns {base, browser, close}. */
export async function start() {
  const server = await serve(0);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: FLAGS });
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    browser,
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * A page that records console errors and uncaught exceptions in `page.errors`.
 * Options: viewport; initScript (runs before the page's own scripts); requests: also record
 * failed requests and HTTP errors (off where a test aborts downloads on purpose, e.g. reloads).
 */
export async function openPage(browser, url, { viewport = { width: 1280, height: 800 }, initScript, requests = false } = {}) {
  const page = await browser.newPage({ viewport });
  page.errors = [];
  page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
  page.on('pageerror', (e) => page.errors.push(String(e)));
  if (requests) {
    page.on('requestfailed', (r) => page.errors.push(`failed: ${r.url()}`));
    page.on('response', (r) => r.status() >= 400 && page.errors.push(`${r.status()}: ${r.url()}`));
  }
  if (initScript) await page.addInitScript(initScript);
  await page.goto(url);
  return page;
}

/** The playground page at `hash` (options as openPage's), once its engine runs. */
export async function openPlayground(env, hash, options) {
  const page = await openPage(env.browser, `${env.base}/playground.html${hash}`, options);
  await page.waitForSelector('[data-playground][data-engine="ready"]');
  return page;
}

/** Until a playground's data is in its worker: the 2-D points made, or MNIST's training images all arrived. */
export function dataIn(page, timeout = 60000) {
  return page.waitForFunction(() => /(training and \d+ test points|60,000 training)/.test(document.querySelector('[data-part="data-status"]').textContent), null, { timeout });
}

/** Stop a run and wait until it has ended (Stop may be disabled already: a last batch can end a run). */
export async function stopRun(page, timeout = 30000) {
  await page.$eval('[data-part="stop"]', (b) => b.disabled || b.click());
  await page.waitForSelector('[data-playground][data-training="idle"]', { timeout });
}

/**
 * How many pixels of a canvas lean warm (red over blue by more than 40 levels: red, orange) and
 * how many cool (blue over red): a picture in both signs' or both classes' colours has many of each.
 */
export function warmAndCool(page, selector) {
  return page.$eval(selector, (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let warm = 0, cool = 0;
    for (let i = 0; i < d.length; i += 4) (d[i] > d[i + 2] + 40 && warm++), (d[i + 2] > d[i] + 40 && cool++);
    return { warm, cool };
  });
}

export async function screenshot(page, name) {
  const dir = new URL('../../build/screenshots/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, dir).pathname, fullPage: true });
}
