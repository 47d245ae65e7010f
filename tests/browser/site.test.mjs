// The site's gates, on every built page in both languages, in headless Chromium under the
// strict CSP the server sends: WCAG 2.2 AA (axe) at 1280 and 320 px, language toggle round
// trip, keyboard order and quick exit, no CSP violation, nothing from another origin, page
// weight, and the server's 404s. Each gate is one test that lists every failing page and why.
//
// Run by scripts/test.sh (see lib.mjs for the environment). Pages are visited once for the
// survey (everything but the keyboard) and once for the keyboard, a few at a time.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BASE_URL,
  CONCURRENCY,
  WIDTHS,
  formatAxeViolations,
  launchBrowser,
  mapConcurrent,
  newGuardedContext,
  pagesFromDist,
  readCsp,
  readSiteConfig,
  runAxe,
  sitePath,
  urlFor,
  watchCsp,
  writeSummary,
} from './lib.mjs';

/** Every page's HTML + CSS + JS + images + fonts, as received, must stay under this. */
const MAX_PAGE_BYTES = 50_000;
/** Requests only `site serve` makes (live reload): not part of the published page. */
const DEV_ONLY = /^\/_passerelle\//;
const EXIT_TEXT = { en: /Exit this page/i, fr: /Quitter cette page/i };
/** What the help bar must say on every page, in the page's language (before the 24/7 line). */
const EMERGENCY_TEXT = {
  en: /In an emergency, call 911 or your local emergency number\./,
  fr: /En cas d’urgence, composez le 911 ou le numéro d’urgence de votre région\./,
};
/** The SMSRC 24/7 line, which the help bar names on every page. */
const LINE_247 = { en: /24\/7 line: 1-844-750-1648/, fr: /Ligne 24 heures sur 24, 7 jours sur 7\s?: 1-844-750-1648/ };
const OTHER = { en: 'fr', fr: 'en' };

const pages = pagesFromDist();
const csp = readCsp();
const { quickExitUrl } = readSiteConfig();
/** path -> what one visit found (see surveyPage). */
const survey = new Map();
const timings = {};
let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  const weights = [...survey.values()].filter((s) => s.weight).map((s) => ({ url: s.url, bytes: s.weight.total }));
  weights.sort((a, b) => b.bytes - a.bytes);
  writeSummary('site', {
    pages: pages.length,
    en: pages.filter((p) => p.lang === 'en').length,
    fr: pages.filter((p) => p.lang === 'fr').length,
    axeRuns: [...survey.values()].reduce((n, s) => n + Object.keys(s.axe ?? {}).length, 0),
    axeViolations: [...survey.values()].reduce(
      (n, s) => n + Object.values(s.axe ?? {}).reduce((m, v) => m + v.length, 0),
      0,
    ),
    largestPage: weights[0] ?? null,
    maxPageBytes: MAX_PAGE_BYTES,
    timings,
  });
});

/** One visit at 1280 px (then resized to 320 px for the second axe run). */
async function surveyPage(info) {
  const result = { ...info, axe: {} };
  const { context, external } = await newGuardedContext(browser, { width: WIDTHS[0] });
  try {
    const page = await context.newPage();
    const cspViolations = await watchCsp(page);
    const responses = [];
    page.on('response', (response) => responses.push(response));
    const response = await page.goto(info.url, { waitUntil: 'load' });
    result.status = response?.status();
    result.csp = response?.headers()['content-security-policy'] ?? null;
    Object.assign(result, await page.evaluate(readPageFacts));
    result.overflow = {};
    for (const width of WIDTHS) {
      if (width !== WIDTHS[0]) await page.setViewportSize({ width, height: 640 });
      result.axe[width] = await runAxe(page);
      result.overflow[width] = await page.evaluate(horizontalOverflow);
    }
    result.weight = await pageWeight(responses);
    // The same violation shows as an event and a console message: prefer the event's details.
    const events = cspViolations.filter((v) => !v.startsWith('console: '));
    result.cspViolations = [...new Set(events.length ? events : cspViolations)];
    result.external = external;
  } catch (error) {
    result.error = String(error?.message ?? error).split('\n')[0];
  } finally {
    await context.close();
  }
  return result;
}

/** Runs in the page: how many CSS pixels the page is wider than the viewport (0: it reflows). */
function horizontalOverflow() {
  return Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Runs in the page: language, title, toggle, help texts and every resource URL the markup names. */
function readPageFacts() {
  const toggle = document.querySelector('header a[hreflang][lang]');
  const refs = [];
  const add = (el, attr, value) => {
    if (value) refs.push({ tag: el.tagName.toLowerCase(), attr, value, resolved: new URL(value, document.baseURI).href });
  };
  for (const el of document.querySelectorAll('[src]')) add(el, 'src', el.getAttribute('src'));
  for (const el of document.querySelectorAll('link[href]')) {
    const rel = (el.getAttribute('rel') ?? '').toLowerCase().split(/\s+/);
    if (rel.some((r) => ['stylesheet', 'preload', 'modulepreload', 'icon', 'manifest'].includes(r))) {
      add(el, 'href', el.getAttribute('href'));
    }
  }
  for (const el of document.querySelectorAll('[srcset]')) {
    for (const candidate of el.getAttribute('srcset').split(',')) add(el, 'srcset', candidate.trim().split(/\s+/)[0]);
  }
  // The help bar of a page in one language; the bilingual root pages have one block per language.
  const help = [...document.querySelectorAll('.ps-help, .ps-splash__help')].map((el) => ({
    lang: el.closest('[lang]').getAttribute('lang'),
    text: el.textContent.replace(/\s+/g, ' ').trim(),
  }));
  return {
    help,
    htmlLang: document.documentElement.getAttribute('lang'),
    title: document.title,
    toggle: toggle
      ? { href: toggle.href, lang: toggle.getAttribute('lang'), hreflang: toggle.getAttribute('hreflang'), text: toggle.textContent.trim() }
      : null,
    refs,
  };
}

/** Bytes received for the page and everything it loaded (dev-only live reload excluded). */
async function pageWeight(responses) {
  const weight = { total: 0, byType: {} };
  for (const response of responses) {
    const path = sitePath(response.url());
    if (path !== null && DEV_ONLY.test(path)) continue;
    let bytes = 0;
    try {
      bytes = (await response.body()).length;
    } catch {
      bytes = 0; // a redirect or an aborted request has no body
    }
    const type = response.request().resourceType();
    weight.total += bytes;
    weight.byType[type] = (weight.byType[type] ?? 0) + bytes;
  }
  return weight;
}

/** Fails with every problem found, one line each, or passes. */
function report(problems, what) {
  if (problems.length) assert.fail(`${problems.length} ${what}:\n${problems.join('\n')}`);
}

function surveyed() {
  return [...survey.values()].filter((s) => !s.error);
}

async function timed(name, fn) {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Date.now() - started;
  }
}

test('the harness points at a server on 127.0.0.1', () => {
  assert.match(BASE_URL, /^http:\/\/127\.0\.0\.1:\d+$/, 'BASE_URL must be a server on 127.0.0.1');
});

test(`every page in DIST_DIR loads (${pages.length} pages)`, async () => {
  assert.ok(pages.length > 0, 'DIST_DIR holds no pages');
  const results = await timed('survey', () => mapConcurrent(pages, CONCURRENCY, surveyPage));
  for (const r of results) survey.set(r.path, r);
  console.log(`surveyed ${pages.length} pages in ${(timings.survey / 1000).toFixed(1)} s`);
  const problems = results
    .filter((r) => r.error || r.status !== 200)
    .map((r) => `${r.url}: ${r.error ?? `status ${r.status}`}`);
  report(problems, 'page(s) did not load');
});

test('the server sends infra/csp.txt as the Content-Security-Policy of every page', () => {
  const problems = surveyed()
    .filter((s) => s.csp !== csp)
    .map((s) => `${s.url}: Content-Security-Policy is ${JSON.stringify(s.csp)}, infra/csp.txt holds ${JSON.stringify(csp)}`);
  report(problems, 'page(s) without the CSP');
});

test('no page triggers a CSP violation', () => {
  const problems = surveyed().flatMap((s) => s.cspViolations.map((v) => `${s.url}: ${v}`));
  report(problems, 'CSP violation(s)');
});

test(`axe: zero WCAG 2.2 AA violations at ${WIDTHS.join(' and ')} px`, () => {
  const lines = [];
  let count = 0;
  for (const s of surveyed()) {
    for (const width of WIDTHS) {
      const violations = s.axe[width] ?? [];
      count += violations.length;
      lines.push(...formatAxeViolations(s.url, width, violations));
    }
  }
  if (count) assert.fail(`${count} axe violation(s) (rule per page and width; failing elements indented):\n${lines.join('\n')}`);
});

test('every page tells people in danger to call 911, and names the 24/7 line, in its language(s)', () => {
  const problems = [];
  for (const s of surveyed()) {
    const langs = s.lang ? [s.lang] : ['en', 'fr'];
    for (const lang of langs) {
      const blocks = s.help.filter((h) => h.lang.startsWith(lang));
      if (!blocks.length) problems.push(`${s.url}: no help bar in ${lang} (.ps-help or .ps-splash__help)`);
      for (const { text } of blocks) {
        if (!EMERGENCY_TEXT[lang].test(text)) problems.push(`${s.url}: help bar says "${text}", not ${EMERGENCY_TEXT[lang]}`);
        if (!LINE_247[lang].test(text)) problems.push(`${s.url}: help bar says "${text}", not ${LINE_247[lang]}`);
      }
    }
  }
  report(problems, 'help bar problem(s)');
});

test(`every page reflows at ${WIDTHS.join(' and ')} px: no horizontal scrolling (WCAG 1.4.10)`, () => {
  const problems = [];
  for (const s of surveyed()) {
    for (const width of WIDTHS) {
      if (s.overflow[width] > 0) problems.push(`${s.url} @${width}px: ${s.overflow[width]} px wider than the window`);
    }
  }
  report(problems, 'page(s) that scroll sideways');
});

test('each language toggle leads to the counterpart, whose toggle leads back (a 404 leads to the other home page)', () => {
  const problems = [];
  for (const s of surveyed()) {
    if (!s.lang) continue; // the root page and the root 404 are bilingual
    const other = OTHER[s.lang];
    const t = s.toggle;
    if (!t) {
      problems.push(`${s.url}: no language toggle (a[hreflang][lang] inside <header>)`);
      continue;
    }
    if (!t.lang?.startsWith(other) || !t.hreflang?.startsWith(other)) {
      problems.push(`${s.url}: toggle has lang="${t.lang}" hreflang="${t.hreflang}", expected "${other}"`);
    }
    const targetPath = sitePath(t.href);
    const target = targetPath && survey.get(targetPath);
    if (!target) {
      problems.push(`${s.url}: toggle goes to ${t.href}, which is not a page of the site`);
      continue;
    }
    if (target.lang !== other || !target.htmlLang?.startsWith(other)) {
      problems.push(`${s.url}: toggle goes to ${target.url} (lang="${target.htmlLang}"), not a ${other} page`);
    }
    if (s.kind === '404') {
      // A missing page has no translation; the other language's home page is where to go.
      if (targetPath !== `/${other}/`) problems.push(`${s.url}: toggle goes to ${t.href}, not /${other}/`);
      continue;
    }
    const back = target.toggle && sitePath(target.toggle.href);
    if (back !== s.path) {
      problems.push(`${s.url}: its counterpart ${target.url} toggles back to ${target.toggle?.href ?? '(no toggle)'}`);
    }
  }
  report(problems, 'language toggle problem(s)');
});

test('nothing comes from another origin: no external src/href/srcset, no request leaves 127.0.0.1', () => {
  const problems = [];
  for (const s of surveyed()) {
    for (const ref of s.refs) {
      if (sitePath(ref.resolved) === null) problems.push(`${s.url}: <${ref.tag} ${ref.attr}="${ref.value}"> is external`);
    }
    for (const url of new Set(s.external)) problems.push(`${s.url}: requested ${url}`);
  }
  report(problems, 'external reference(s)');
});

test(`every page weighs under ${MAX_PAGE_BYTES.toLocaleString('en-CA')} bytes (HTML + CSS + JS + images)`, () => {
  const weighed = surveyed().filter((s) => s.weight);
  assert.ok(weighed.length > 0, 'no page was weighed');
  weighed.sort((a, b) => b.weight.total - a.weight.total);
  const largest = weighed[0];
  console.log(`largest page: ${largest.url} ${largest.weight.total} bytes ${JSON.stringify(largest.weight.byType)}`);
  const problems = weighed
    .filter((s) => s.weight.total >= MAX_PAGE_BYTES)
    .map((s) => `${s.url}: ${s.weight.total} bytes ${JSON.stringify(s.weight.byType)}`);
  report(problems, 'page(s) too heavy');
});

/** Fresh load; Tab, Tab; Shift x3 must leave for quick_exit_url, replacing the history entry. */
async function keyboardCheck(info) {
  const problems = [];
  const { context, external } = await newGuardedContext(browser, { width: WIDTHS[0] });
  const exitRequests = [];
  // Registered after the guard, so it runs first: the quick exit is answered here, locally.
  await context.route(
    (url) => url.href === quickExitUrl,
    (route) => {
      exitRequests.push(route.request().url());
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>Exit</title><p>Left.</p>' });
    },
  );
  try {
    const page = await context.newPage();
    await page.goto(info.url, { waitUntil: 'load' });
    const historyBefore = await page.evaluate(() => history.length);
    await page.keyboard.press('Tab');
    const first = await page.evaluate(describeFocus);
    await page.keyboard.press('Tab');
    const second = await page.evaluate(describeFocus);

    if (!(first.tag === 'a' && first.href?.startsWith('#') && first.targetExists)) {
      problems.push(`first Tab focuses ${show(first)}, expected the skip link (<a href="#..."> to an element of the page)`);
    }
    const exitText = info.lang ? EXIT_TEXT[info.lang] : new RegExp(`${EXIT_TEXT.en.source}|${EXIT_TEXT.fr.source}`, 'i');
    if (!(second.tag === 'a' && second.resolved === quickExitUrl && exitText.test(second.text))) {
      problems.push(`second Tab focuses ${show(second)}, expected the quick exit link to ${quickExitUrl} reading ${exitText}`);
    }

    const left = page.waitForURL((url) => url.href === quickExitUrl, { timeout: 5000 }).then(
      () => true,
      () => false,
    );
    for (let i = 0; i < 3; i += 1) await page.keyboard.press('Shift');
    if (!(await left)) {
      problems.push(`Shift pressed 3 times: still on ${page.url()}, expected ${quickExitUrl}`);
    } else {
      if (exitRequests[0] !== quickExitUrl) problems.push(`quick exit requested ${exitRequests[0]}, expected ${quickExitUrl}`);
      const historyAfter = await page.evaluate(() => history.length);
      if (historyAfter > historyBefore) {
        problems.push(`quick exit added a history entry (history.length ${historyBefore} -> ${historyAfter}): use location.replace`);
      }
      await page.goBack({ timeout: 3000 }).catch(() => null);
      if (page.url() === info.url) problems.push('Back returns to the page after the quick exit');
    }
    const leaked = external.filter((url) => url !== quickExitUrl);
    if (leaked.length) problems.push(`requested another origin: ${[...new Set(leaked)].join(', ')}`);
  } catch (error) {
    problems.push(String(error?.message ?? error).split('\n')[0]);
  } finally {
    await context.close();
  }
  return problems.map((p) => `${info.url}: ${p}`);
}

/** Runs in the page: what has the focus. */
function describeFocus() {
  const el = document.activeElement;
  if (!el || el === document.body) return { tag: 'body' };
  const href = el.getAttribute('href');
  return {
    tag: el.tagName.toLowerCase(),
    href,
    resolved: el.href || null,
    text: (el.textContent ?? '').replace(/\s+/g, ' ').trim(),
    className: el.className || '',
    targetExists: Boolean(href?.startsWith('#') && href.length > 1 && document.getElementById(decodeURIComponent(href.slice(1)))),
  };
}

function show(focus) {
  if (focus.tag === 'body') return 'nothing';
  return `<${focus.tag}${focus.href ? ` href="${focus.href}"` : ''}${focus.className ? ` class="${focus.className}"` : ''}> "${focus.text}"`;
}

test('keyboard: Tab reaches the skip link, then quick exit; Shift x3 leaves for quick_exit_url without a history entry', async () => {
  const problems = (await timed('keyboard', () => mapConcurrent(pages, CONCURRENCY, keyboardCheck))).flat();
  console.log(`keyboard checked on ${pages.length} pages in ${(timings.keyboard / 1000).toFixed(1)} s`);
  report(problems, 'keyboard problem(s)');
});

test('the server answers unknown pages with 404 and the 404 page of their language', async () => {
  const problems = [];
  const expected = [
    { path: '/en/nope/', lang: 'en', file: pages.find((p) => p.path === '/en/404.html')?.file },
    { path: '/fr/nope/', lang: 'fr', file: pages.find((p) => p.path === '/fr/404.html')?.file },
  ];
  const { context, external } = await newGuardedContext(browser);
  try {
    const page = await context.newPage();
    for (const { path, lang, file } of expected) {
      if (!file) {
        problems.push(`DIST_DIR has no /${lang}/404.html`);
        continue;
      }
      const title = readFileSync(file, 'utf8').match(/<title>([^<]*)<\/title>/)?.[1]?.trim();
      const response = await page.goto(urlFor(path), { waitUntil: 'load' });
      const status = response?.status();
      const facts = await page.evaluate(() => ({ lang: document.documentElement.getAttribute('lang'), title: document.title.trim() }));
      const decode = (html) => html?.replace(/&amp;/g, '&').replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"');
      if (status !== 404) problems.push(`${urlFor(path)}: status ${status}, expected 404`);
      if (!facts.lang?.startsWith(lang)) problems.push(`${urlFor(path)}: lang="${facts.lang}", expected the ${lang} 404 page`);
      if (facts.title !== decode(title)) problems.push(`${urlFor(path)}: title "${facts.title}", expected "${decode(title)}" (/${lang}/404.html)`);
      if (response?.headers()['content-security-policy'] !== csp) problems.push(`${urlFor(path)}: no CSP header from infra/csp.txt`);
    }
    if (external.length) problems.push(`requested another origin: ${external.join(', ')}`);
  } finally {
    await context.close();
  }
  report(problems, '404 problem(s)');
});
