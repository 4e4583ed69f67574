import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's chromium, driven by playwright-core: nothing downloads a browser. CI installs chromium with apt-get
 * (.ci/run); without it the browser tests fail in CI and are skipped, loudly, on a developer's machine.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether the browser tests can run here; in CI a missing browser is a failure, not a skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `${CHROMIUM} is missing: the console's browser tests need Debian's chromium (apt-get install chromium)`;
  if (process.env.CI === 'true') throw new Error(`${message}. CI must install it (.ci/run does).`);
  console.warn(`\n*** SKIPPING the console browser tests: ${message}. ***\n`);
  return false;
}

/** A fresh profile per run, removed afterwards. */
export async function launchChromium(): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'stripe-qbo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Roles a person operates: each must have an accessible name (a label, text or aria-label). */
const OPERABLE = new Set([
  'button',
  'link',
  'textbox',
  'searchbox',
  'combobox',
  'listbox',
  'checkbox',
  'radio',
  'spinbutton',
  'slider',
  'switch',
  'date',
  'progressbar',
  'image',
  'img',
]);

/** Operable elements of the page without an accessible name, from Chromium's own accessibility tree. */
export async function unnamedControls(
  context: BrowserContext,
  page: Page,
): Promise<{ total: number; unnamed: string[] }> {
  const cdp = await context.newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: Array<{ ignored: boolean; role?: { value?: string }; name?: { value?: string } }>;
    };
    const operable = nodes.filter((n) => !n.ignored && OPERABLE.has(String(n.role?.value ?? '')));
    return {
      total: operable.length,
      unnamed: operable.filter((n) => !String(n.name?.value ?? '').trim()).map((n) => String(n.role?.value)),
    };
  } finally {
    await cdp.detach();
  }
}

/** Presses Tab until the focused element has this accessible name (as a keyboard user would), then returns. */
export async function tabTo(page: Page, name: RegExp, maxTabs = 80): Promise<void> {
  for (let i = 0; i < maxTabs; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? (el.getAttribute('aria-label') ?? el.innerText ?? (el as HTMLInputElement).value ?? '').trim() : '';
    });
    if (name.test(focused)) return;
  }
  throw new Error(`no focusable control named ${String(name)} within ${maxTabs} tabs`);
}
