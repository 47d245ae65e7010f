// Withdrawing with the personal link (issue 13), as a person would: from a registration's
// acknowledgement in the outbox, follow the link, confirm, see the done page; the first person
// waiting gets the place and their email; the link, used again, says so. In English and in
// French. Each page (the question, done, used) at 1280 and 320 px: axe (WCAG 2.2 AA) finds
// nothing, the W3C Nu checker finds no error, nothing scrolls sideways, the CSP holds. Then a
// coordinator acts on the workspace's roster: gives a person waiting a place, withdraws a
// registered person (whose place goes to the next person waiting); the roster, with its
// actions, passes the same checks in both languages.
//
// Registration must be open for this, and the real offerings' dates may all be past: the test
// serves the same site itself (`site serve --now`, on 127.0.0.1, with a data folder of its own)
// at a moment when the Discover Creative Coping cohorts take registrations, and fills one
// cohort through the registration form's endpoint so that someone waits.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  LIVE_RELOAD_SCRIPT,
  REPO_ROOT,
  SITE_ROOT,
  WIDTHS,
  formatAxeViolations,
  launchBrowser,
  newGuardedContext,
  runAxe,
  watchCsp,
} from './lib.mjs';
import { workspaceSession } from './workspace-session.mjs';

const NOW = '2025-06-01T12:00';
const OFFERING = 'discover-creative-coping';
const GROUP_SIZE = Number(
  readFileSync(join(SITE_ROOT, `content/offerings/${OFFERING}.toml`), 'utf8').match(/^group_size = (\d+)/m)[1],
);
const VNU_JAR = join(REPO_ROOT, 'node_modules/vnu-jar/build/dist/vnu.jar');
const SITE_BIN =
  process.env.SITE_BIN ?? join(dirname(process.env.HANDLER_BIN ?? join(REPO_ROOT, 'target/debug/handler')), 'site');

const WORDS = {
  en: {
    cohort: `${OFFERING}:english`,
    question: 'Cancel your registration?',
    button: 'Yes, cancel my registration',
    done: 'Your registration is cancelled',
    used: 'This link has already been used',
    promoted: 'A place opened up: your registration is confirmed',
  },
  fr: {
    cohort: `${OFFERING}:french`,
    question: 'Annuler votre inscription\u202f?',
    button: 'Oui, annuler mon inscription',
    done: 'Votre inscription est annulée',
    used: 'Ce lien a déjà été utilisé',
    promoted: 'Une place s’est libérée\u00a0: votre inscription est confirmée',
  },
};

let work;
let server;
let base;
let outbox;
let browser;

/** A free port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function until(what, check, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  assert.ok(existsSync(SITE_BIN), `${SITE_BIN} is missing: build the site binary (scripts/test.sh does)`);
  work = mkdtempSync(join(tmpdir(), 'withdraw-'));
  outbox = join(work, 'data/outbox');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(
    SITE_BIN,
    ['--root', SITE_ROOT, 'serve', '--port', String(port), '--out', join(work, 'serve'), '--now', NOW],
    { env: { ...process.env, PASSERELLE_DATA_DIR: join(work, 'data') }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr.on('data', (chunk) => {
    log += chunk;
  });
  await until(`site serve on ${base} (${log.slice(-500)})`, async () => {
    try {
      return (await fetch(`${base}/`)).ok;
    } catch {
      return false;
    }
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Posts a registration as the form does without JavaScript; returns its status and reference. */
async function register({ cohort, email, lang, waitingList }) {
  const answers = [
    ['lang', lang],
    ['session', cohort],
    ['name', 'Robin Tester'],
    ['contact_method', 'email-only'],
    ['email', email],
    ['language', lang],
    ['member_status', 'current-caf'],
    ...['adult', 'affected', 'device', 'code_of_conduct', 'confidentiality', 'consent_contact'].map((n) => [n, 'yes']),
    ...(waitingList ? [['waitlist', 'yes']] : []),
  ];
  const response = await fetch(`${base}/api/forms/registration`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams(answers).toString(),
  });
  const location = response.headers.get('location') ?? '';
  return { status: location.match(/status=([a-z-]+)/)?.[1] ?? String(response.status), location };
}

/** Undoes quoted-printable (soft line breaks, =XX bytes). */
function decode(message) {
  const joined = message.replace(/=\r?\n/g, '');
  return Buffer.from(
    joined.replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}

/** The outbox's message of `kind` to `to`, waiting for the notifier. */
function mailTo(to, kind) {
  return until(`${kind} to ${to}`, () => {
    if (!existsSync(outbox)) return null;
    return readdirSync(outbox)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => decode(readFileSync(join(outbox, f), 'utf8')))
      .find((m) => m.includes(`\nTo: ${to}`) && m.includes(`X-Passerelle-Kind: ${kind}\r`));
  }, 30_000);
}

/** The withdrawal link in a message, whole (origin, path and query). */
function linkIn(message) {
  return message.match(/https?:\/\/[^\s"<>/]+\/api\/withdraw\?lang=[a-z]{2}&token=[0-9a-f]{64}/)?.[0];
}

/**
 * The path and query of a withdrawal link, once its origin is checked: the address `site serve`
 * is used at (localhost, the name passkeys need, on the test's port), never the site's public
 * address (review M5).
 */
function servedPath(link) {
  const url = new URL(link);
  assert.equal(url.origin, base.replace('://127.0.0.1', '://localhost'), link);
  return url.pathname + url.search;
}

/** Opens `path` on the test's server at `width`, with the CSP watched and live reload off. */
async function open(path, width) {
  const { context, external } = await newGuardedContext(browser, { width });
  await context.route(`${base}${LIVE_RELOAD_SCRIPT}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: '' }),
  );
  const page = await context.newPage();
  const csp = await watchCsp(page);
  await page.goto(`${base}${path}`);
  return { context, page, csp, external };
}

/** axe, sideways scrolling and the page's HTML (for Nu) at each width. */
async function checkPage(path, label, problems, sources) {
  for (const width of WIDTHS) {
    const { context, page, csp, external } = await open(path, width);
    try {
      problems.push(...formatAxeViolations(`${label}`, width, await runAxe(page)));
      if (await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)) {
        problems.push(`${label} @${width}px scrolls sideways`);
      }
      problems.push(...csp.map((v) => `${label}: CSP ${v}`), ...external.map((u) => `${label}: external ${u}`));
      if (width === WIDTHS[0]) sources.push({ path: label, html: await page.content() });
    } finally {
      await context.close();
    }
  }
}

function nuErrors(sources) {
  const dir = mkdtempSync(join(tmpdir(), 'withdraw-nu-'));
  try {
    const files = sources.map(({ html }, i) => {
      const file = join(dir, `page-${i}.html`);
      writeFileSync(file, html);
      return file;
    });
    let output;
    try {
      output = execFileSync('java', ['-jar', VNU_JAR, '--errors-only', '--format', 'json', ...files], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    }
    const start = output.indexOf('{');
    const messages = start >= 0 ? JSON.parse(output.slice(start)).messages : [];
    return messages
      .filter((m) => m.type === 'error')
      .map((m) => {
        const index = files.findIndex((f) => m.url?.endsWith(f.split('/').pop()));
        return `Nu: ${sources[index]?.path ?? m.url}:${m.lastLine}: ${m.message}`;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const lang of ['en', 'fr']) {
  const words = WORDS[lang];
  describe(`withdrawing in ${lang === 'en' ? 'English' : 'French'}`, () => {
    test('from the acknowledgement: confirm, done; the person waiting gets the place and the email', async () => {
      const run = `${lang}-${Date.now()}`;
      const person = `withdraw-${run}@example.ca`;
      const waiting = `waiting-${run}@example.ca`;
      assert.equal((await register({ cohort: words.cohort, email: person, lang })).status, 'registered');
      // The rest of the group, then one more, who waits.
      for (let i = 1; i < GROUP_SIZE; i++) {
        await register({ cohort: words.cohort, email: `filler-${i}-${run}@example.ca`, lang });
      }
      const full = await register({ cohort: words.cohort, email: waiting, lang, waitingList: true });
      assert.equal(full.status, 'waitlisted', 'the group is full: the last person waits');

      const acknowledgement = await mailTo(person, 'acknowledgement');
      const whole = linkIn(acknowledgement);
      assert.ok(whole, 'the acknowledgement carries the personal link');
      const link = servedPath(whole);
      assert.ok(link.startsWith(`/api/withdraw?lang=${lang}&`), link);

      const problems = [];
      const sources = [];
      await checkPage(link, `${lang} question`, problems, sources);

      // Confirm, with the keyboard: the button is reached by Tab and pressed with Enter.
      const { context, page, csp } = await open(link, 1280);
      try {
        assert.equal(await page.locator('h1').textContent(), words.question);
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        const button = page.getByRole('button', { name: words.button });
        await button.focus();
        await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
        assert.equal((await page.locator('h1').textContent()).trim(), words.done);
        problems.push(...formatAxeViolations(`${lang} done`, 1280, await runAxe(page)));
        sources.push({ path: `${lang} done`, html: await page.content() });
        assert.deepEqual(csp, []);
      } finally {
        await context.close();
      }

      // The first person waiting now has the place, and is told once, by email.
      const promotion = await mailTo(waiting, 'promotion');
      assert.ok(promotion.includes(words.promoted), promotion);
      assert.ok(linkIn(promotion), 'with a link of their own');
      servedPath(linkIn(promotion));

      // The link again: it has been used.
      await checkPage(link, `${lang} used`, problems, sources);
      const again = await open(link, 1280);
      try {
        assert.equal((await again.page.locator('h1').textContent()).trim(), words.used);
      } finally {
        await again.context.close();
      }
      problems.push(...nuErrors(sources));
      assert.deepEqual(problems, []);
    });
  });
}

/** The workspace at localhost on the test's server, signed in (a __Host- cookie needs a name). */
async function openWorkspace(session, path, width) {
  const site = base.replace('://127.0.0.1', '://localhost');
  const { context, external } = await newGuardedContext(browser, { width });
  await session.signIn(context);
  await context.route(`${site}${LIVE_RELOAD_SCRIPT}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: '' }),
  );
  const page = await context.newPage();
  const csp = await watchCsp(page);
  await page.goto(`${site}${path}`);
  return { context, page, csp, external };
}

describe('the roster, as a coordinator acts on it', () => {
  test('give a place by hand, withdraw twice: the roster says so; axe, Nu, CSP in both languages', async () => {
    const site = base.replace('://127.0.0.1', '://localhost');
    const session = await workspaceSession({ dataDir: join(work, 'data'), siteUrl: site });
    const run = `roster-${Date.now()}`;
    const cohort = WORDS.en.cohort;
    const next = `next-${run}@example.ca`;
    // Fill the group (the tests above may have), until one more person waits.
    for (let i = 0; ; i++) {
      const { status } = await register({ cohort, email: `${run}-${i}@example.ca`, lang: 'en', waitingList: true });
      if (status === 'waitlisted') break;
      assert.equal(status, 'registered');
      assert.ok(i < GROUP_SIZE, 'the group fills');
    }
    const waiting = await register({ cohort, email: next, lang: 'en', waitingList: true });
    assert.equal(waiting.status, 'waitlisted');
    const problems = [];
    const sources = [];
    const { context, page, csp, external } = await openWorkspace(session, '/coordination/en/registrations', 1280);
    try {
      // Each action asks first (a page saying what will happen); confirming posts it.
      let asked = false;
      const confirmed = async (button) => {
        await Promise.all([page.waitForNavigation(), button.click()]);
        assert.match(page.url(), /\/registrations\/[A-Z0-9]+\?action=/);
        if (!asked) {
          asked = true;
          problems.push(...formatAxeViolations('en roster question', 1280, await runAxe(page)));
          sources.push({ path: 'en roster question', html: await page.content() });
        }
        await Promise.all([page.waitForNavigation(), page.locator('form.ps-form button[type=submit]').click()]);
      };
      const give = page.getByRole('button', { name: /^Give a place now/ }).first();
      await confirmed(give);
      const notice = await page.locator('.ps-notice').textContent();
      assert.match(notice, /: Registered/, notice);
      // Eleven registered in ten places: the first withdrawal frees no place for anyone...
      const withdraw = () => page.getByRole('button', { name: /^Withdraw/ }).first();
      await confirmed(withdraw());
      assert.match(await page.locator('.ps-notice').textContent(), /: Withdrawn\.$/);
      // ...the second does: it goes to the next person waiting.
      await confirmed(withdraw());
      assert.match(await page.locator('.ps-notice').textContent(), /Withdrawn\. The place went to/);
      assert.deepEqual(csp, []);
      assert.deepEqual(external, []);
    } finally {
      await context.close();
    }
    for (const lang of ['en', 'fr']) {
      for (const width of WIDTHS) {
        const view = await openWorkspace(session, `/coordination/${lang}/registrations`, width);
        try {
          const label = `${lang} roster`;
          problems.push(...formatAxeViolations(label, width, await runAxe(view.page)));
          if (await view.page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)) {
            problems.push(`${label} @${width}px scrolls sideways`);
          }
          problems.push(...view.csp.map((v) => `${label}: CSP ${v}`));
          if (width === WIDTHS[0]) sources.push({ path: label, html: await view.page.content() });
        } finally {
          await view.context.close();
        }
      }
    }
    problems.push(...nuErrors(sources));
    assert.deepEqual(problems, []);
    // The person who got the freed place is told.
    await mailTo(next, 'promotion');
  });
});
