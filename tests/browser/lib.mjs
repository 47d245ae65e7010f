// Shared helpers for Passerelle's browser tests (node:test + playwright-core + axe-core).
//
// scripts/test.sh sets the environment and runs `node --test tests/browser/`:
//   BASE_URL             a `site serve` on 127.0.0.1 (pages, CSP header, form handler at /api/)
//   DIST_DIR             a `site build` of the same sources: the list of pages comes from it
//   SITE_ROOT            the site's folder (site.toml, content/, ...) that BASE_URL serves
//   CSP_FILE             infra/csp.txt, the one Content-Security-Policy
//   PASSERELLE_DATA_DIR  the served site's data folder (store, outbox), under SITE_ROOT
//   PASSERELLE_OUTBOX    where the local mailer writes one .eml per message
//   TEST_SUMMARY_DIR     optional: each test file may write <name>.json figures for the summary
// Each variable has a default that works against `cargo run -p site -- serve` in the repo.
//
// Exports (all documented below): BASE_URL, DIST_DIR, SITE_ROOT, CSP_FILE, DATA_DIR, OUTBOX,
// CONCURRENCY, launchBrowser(), newGuardedContext(), watchCsp(), pagesFromDist(), urlFor(),
// isLocalUrl(), sitePath(), readCsp(), readSiteConfig(), runAxe(), formatAxeViolations(),
// mapConcurrent(), writeSummary().

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The repository (two levels above this file). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The served site's origin, without a trailing slash: http://127.0.0.1:PORT. */
export const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:1111').replace(/\/+$/, '');
/** The site's folder: site.toml, content/, templates/, static/, infra/csp.txt. */
export const SITE_ROOT = process.env.SITE_ROOT ?? REPO_ROOT;
/** The built site whose pages are tested (every .html file in it is a page to visit). */
export const DIST_DIR = process.env.DIST_DIR ?? join(SITE_ROOT, 'dist');
/** The Content-Security-Policy every response must carry. */
export const CSP_FILE = process.env.CSP_FILE ?? join(SITE_ROOT, 'infra/csp.txt');
/** The served site's data folder (embedded store and outbox). */
export const DATA_DIR = process.env.PASSERELLE_DATA_DIR ?? join(SITE_ROOT, '.passerelle');
/** Where the local mailer writes one .eml file per message. */
export const OUTBOX = process.env.PASSERELLE_OUTBOX ?? join(DATA_DIR, 'outbox');
/** How many pages are open at once (2 cores: a few contexts keep both busy). */
export const CONCURRENCY = Number(process.env.BROWSER_CONCURRENCY ?? 3);
/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** The flags that keep Chromium quiet and local (no sync, updates, QUIC or GPU). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Viewport widths every page is checked at. */
export const WIDTHS = [1280, 320];
/** The axe-core tags that make up WCAG 2.2 level AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The development-only script `site serve` adds to pages (see newGuardedContext). */
export const LIVE_RELOAD_SCRIPT = '/_passerelle/livereload.js';

const BASE_ORIGIN = new URL(BASE_URL).origin;
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Launches headless Debian Chromium. Playwright gives every launch a fresh, temporary
 * user-data-dir (deleted on close). Reuse one browser per test file; open a context per page.
 */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/test.sh (it installs Debian's chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Whether a URL stays on the test machine (127.0.0.1, or a data:/blob:/about: URL). */
export function isLocalUrl(url) {
  const parsed = new URL(url, BASE_URL);
  if (['data:', 'blob:', 'about:'].includes(parsed.protocol)) return true;
  return parsed.hostname === '127.0.0.1';
}

/**
 * A new browser context whose requests to anything but 127.0.0.1 are aborted and recorded in
 * `external` (URLs). Routes added later to the context run first (Playwright runs the most
 * recent matching route first), so a test can still fulfil one chosen external URL itself.
 *
 * `site serve` adds a live-reload script to every page (not part of the published site); it is
 * answered with an empty script so that a rebuild cannot reload a page under test.
 * Options: width (default 1280), height (default 800).
 */
export async function newGuardedContext(browser, { width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, serviceWorkers: 'block' });
  const external = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocalUrl(url)) return route.continue();
    external.push(url);
    return route.abort('blockedbyclient');
  });
  await context.route(`${BASE_URL}${LIVE_RELOAD_SCRIPT}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: '// live reload: off in tests\n' }),
  );
  return { context, external };
}

/**
 * Records every Content-Security-Policy violation a page sees, from the
 * `securitypolicyviolation` event (via an init script, which devtools injects outside the
 * page's CSP) and from console messages. Call before page.goto(). Returns the (live) array of
 * strings such as "script-src-elem blocked inline at http://.../en/ line 12".
 */
export async function watchCsp(page) {
  const violations = [];
  await page.exposeBinding('__passerelleCspViolation', (_source, text) => {
    violations.push(text);
  });
  await page.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (e) => {
        const where = e.sourceFile ? ` at ${e.sourceFile} line ${e.lineNumber}` : '';
        const sample = e.sample ? ` (${e.sample})` : '';
        // eslint-disable-next-line no-undef
        window.__passerelleCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}${where}${sample}`);
      },
      true,
    );
  });
  page.on('console', (message) => {
    const text = message.text();
    if (/Content[ -]Security[ -]Policy/i.test(text)) violations.push(`console: ${text}`);
  });
  return violations;
}

/**
 * The pages to test, from DIST_DIR: the root index.html, the root 404.html, and every
 * index.html and 404.html under en/ and fr/. Each is
 * { path: '/en/activities/', url: BASE_URL + path, lang: 'en' | 'fr' | null (bilingual),
 *   kind: 'root' | 'root-404' | 'page' | '404', file: absolute path of the .html }.
 */
export function pagesFromDist(distDir = DIST_DIR) {
  if (!existsSync(distDir)) throw new Error(`DIST_DIR ${distDir} does not exist: build the site first`);
  const pages = [];
  const add = (file, path, lang, kind) => pages.push({ path, url: urlFor(path), lang, kind, file });
  if (existsSync(join(distDir, 'index.html'))) add(join(distDir, 'index.html'), '/', null, 'root');
  if (existsSync(join(distDir, '404.html'))) add(join(distDir, '404.html'), '/404.html', null, 'root-404');
  for (const lang of ['en', 'fr']) {
    const dir = join(distDir, lang);
    if (!existsSync(dir)) continue;
    for (const file of walk(dir)) {
      const rel = relative(distDir, file).split(sep).join('/');
      if (rel === `${lang}/404.html`) add(file, `/${rel}`, lang, '404');
      else if (rel.endsWith('/index.html')) add(file, `/${rel.slice(0, -'index.html'.length)}`, lang, 'page');
    }
  }
  return pages.sort((a, b) => a.path.localeCompare(b.path));
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

/** The served URL of a site path such as /en/. */
export function urlFor(path) {
  return new URL(path, `${BASE_URL}/`).href;
}

/** infra/csp.txt as the server sends it (without the final line break). */
export function readCsp() {
  return readFileSync(CSP_FILE, 'utf8').trim();
}

/**
 * The few facts of site.toml the tests need: { quickExitUrl }. A top-level key read with a
 * pattern (no TOML library is needed for one string).
 */
export function readSiteConfig(root = SITE_ROOT) {
  const text = readFileSync(join(root, 'site.toml'), 'utf8');
  const topLevel = text.split(/^\s*\[/m)[0];
  const match = topLevel.match(/^\s*quick_exit_url\s*=\s*"([^"]+)"/m);
  if (!match) throw new Error(`no quick_exit_url in ${join(root, 'site.toml')}`);
  return { quickExitUrl: new URL(match[1]).href };
}

/**
 * Runs axe-core (WCAG 2.2 AA tags) on the page as it is and returns its violations. axe is
 * injected with page.evaluate, which the page's CSP does not govern (addScriptTag would be
 * blocked by script-src 'self').
 */
export async function runAxe(page) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: n.failureSummary })),
    }));
  }, AXE_TAGS);
}

/** Human-readable lines for axe violations: page, width, rule, impact, help, each target. */
export function formatAxeViolations(url, width, violations) {
  const lines = [];
  for (const v of violations) {
    lines.push(`${url} @${width}px: ${v.id} (${v.impact}): ${v.help} [${v.nodes.length} element(s)]`);
    for (const node of v.nodes) {
      const why = (node.summary ?? '').split('\n').slice(1, 3).map((s) => s.trim()).filter(Boolean).join(' / ');
      lines.push(`    ${node.target.join(' ')}${why ? `  -- ${why}` : ''}`);
    }
  }
  return lines;
}

/** Runs fn(item, index) over items with at most `limit` running at once; results in order. */
export async function mapConcurrent(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Writes figures for scripts/test.sh's final summary to TEST_SUMMARY_DIR/<name>.json. */
export function writeSummary(name, data) {
  const dir = process.env.TEST_SUMMARY_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(data, null, 1)}\n`);
}

/** A path plus query of a same-origin URL ("/en/x/"), or null for another origin. */
export function sitePath(url) {
  const parsed = new URL(url, BASE_URL);
  return parsed.origin === BASE_ORIGIN ? parsed.pathname + parsed.search : null;
}
