// The coordinators' workspace, used as a coordinator would (issue 12): invitation from the
// outbox -> passkey enrolment -> sign out -> sign in (workspace-sign-in.mjs, with Chromium's
// virtual authenticator) -> an intake sent on the public form appears in the inbox -> open it ->
// mark it done -> export the CSV -> delete it -> the activity log shows each step; in English
// and in French. The inbox flow with the keyboard
// only. Every workspace page, in both languages at 1280 and 320 px: axe (WCAG 2.2 AA) finds
// nothing, the W3C Nu checker finds no error, nothing scrolls sideways, the CSP holds.
//
// The other tests (keyboard, every page's checks) start from a session written into the served
// store as a sign-in writes it (workspace-session.mjs): four passkey enrolments would test the
// sign-in again, not these pages.
//
// Run by scripts/test.sh against `site serve` (lib.mjs: BASE_URL, DIST_DIR, PASSERELLE_DATA_DIR).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DIST_DIR,
  REPO_ROOT,
  WIDTHS,
  formatAxeViolations,
  launchBrowser,
  newGuardedContext,
  runAxe,
  watchCsp,
} from './lib.mjs';
import { workspaceSession, workspaceUrl as urlFor } from './workspace-session.mjs';
import { addVirtualAuthenticator, allowWorkspace, enrol, inviteFromOutbox, signIn, signOut } from './workspace-sign-in.mjs';

/** The coordinator: the first address of PASSERELLE_COORDINATORS (the default's, under test.sh). */
const EMAIL = (process.env.PASSERELLE_COORDINATORS ?? 'coordinators@passerelle.localhost').split(',')[0].trim();

const FORMS = JSON.parse(readFileSync(join(DIST_DIR, '_passerelle/forms.json'), 'utf8'));
const REFERENCE = /[ACDEFGHJKMNPRTUVWXY34679]{8}/;
const VNU_JAR = join(REPO_ROOT, 'node_modules/vnu-jar/build/dist/vnu.jar');


const WORDS = {
  en: {
    inbox: 'Inbox',
    done: 'Done',
    save: 'Save progress',
    saved: 'Progress saved: Done.',
    export: 'Download the CSV file',
    deleteNow: 'Delete now',
    confirm: 'Yes, delete it now',
    deleted: (r) => `Submission ${r} was deleted.`,
    steps: (r) => [
      `Deleted submission ${r}`,
      'Exported “Request to join a peer support group”: ',
      `Marked submission ${r} as Done`,
      `Viewed submission ${r}`,
    ],
  },
  fr: {
    inbox: 'Boîte de réception',
    done: 'Traitée',
    save: 'Enregistrer le suivi',
    saved: 'Suivi enregistré\u00a0: Traitée.',
    export: 'Télécharger le fichier CSV',
    deleteNow: 'Supprimer maintenant',
    confirm: 'Oui, la supprimer maintenant',
    deleted: (r) => `La soumission ${r} a été supprimée.`,
    steps: (r) => [
      `A supprimé la soumission ${r}`,
      'A exporté «\u00a0Demande de participation à un groupe de soutien par les pairs\u00a0»\u00a0: ',
      `A indiqué le suivi «\u00a0Traitée\u00a0» pour la soumission ${r}`,
      `A consulté la soumission ${r}`,
    ],
  },
};

let browser;
let session;
before(async () => {
  browser = await launchBrowser();
  session = await workspaceSession();
});
after(async () => {
  await browser?.close();
});

/** A signed-in page in a guarded context (nothing leaves 127.0.0.1), with its CSP watched. */
async function signedInPage({ width = 1280 } = {}) {
  const { context, external } = await newGuardedContext(browser, { width });
  await session.signIn(context);
  const page = await context.newPage();
  const csp = await watchCsp(page);
  return { context, page, csp, external };
}

async function focusAndPress(page, locator, key) {
  await locator.focus();
  await page.keyboard.press(key);
}

/** Sends an intake on the public form with the keyboard; its reference. */
async function sendIntake(page, lang) {
  await page.goto(urlFor(FORMS.intake[lang].url));
  const type = async (selector, text) => {
    await page.locator(selector).focus();
    await page.keyboard.type(text);
  };
  const tick = (selector) => focusAndPress(page, page.locator(selector), 'Space');
  await type('#intake-name', lang === 'fr' ? 'Dominique Essai' : 'Sam Tester');
  await tick(lang === 'fr' ? '#intake-language-2' : '#intake-language');
  await tick('#intake-contact-method');
  await type('#intake-email', `workspace-${lang}-${Date.now().toString(36)}@example.ca`);
  await tick('form[data-ps-form="intake"] input[name="group_type"] >> nth=0');
  await type('#intake-composition', 'No preference.');
  await tick('#intake-member-status-3');
  for (const id of ['adult', 'affected', 'device', 'intake-meeting', 'consent-contact']) {
    await tick(`#intake-${id}`);
  }
  await focusAndPress(page, page.locator('form[data-ps-form="intake"] button[type="submit"]'), 'Enter');
  await page.waitForURL(/\/api\/forms\/intake\/confirmation\?ref=/);
  const reference = (await page.locator('[data-ps-reference]').textContent()).trim();
  assert.match(reference, REFERENCE);
  return reference;
}

/** The activity log's lines, top to bottom. */
async function activityLines(page, lang) {
  await page.goto(urlFor(`/coordination/${lang}/activity`));
  return page.locator('table.ps-table tbody tr').allTextContents();
}

for (const lang of ['en', 'fr']) {
  const words = WORDS[lang];
  describe(`the inbox flow (${lang})`, () => {
    test('invited, enrolled, signed out and in with a passkey; an intake appears in the inbox; open, mark done, export, delete; the log shows each step', async () => {
      const { context, external } = await newGuardedContext(browser);
      await allowWorkspace(context);
      const page = await context.newPage();
      const csp = await watchCsp(page);
      try {
        await addVirtualAuthenticator(page);
        await enrol(page, inviteFromOutbox(EMAIL, lang), `Inbox test ${lang}`);
        await signOut(page, lang);
        await signIn(page, lang, EMAIL);
        const reference = await sendIntake(page, lang);

        await page.goto(urlFor(`/coordination/${lang}/?form=intake`));
        assert.equal(await page.locator('h1').textContent(), words.inbox);
        const row = page.locator('tbody tr', { hasText: reference });
        assert.equal(await row.count(), 1, 'the new intake is listed');
        await row.locator('a').click();
        await page.waitForURL(new RegExp(`/coordination/${lang}/submissions/${reference}$`));
        assert.match(await page.locator('main').textContent(), lang === 'fr' ? /Dominique Essai/ : /Sam Tester/);

        await page.getByLabel(words.done, { exact: true }).check();
        await page.getByRole('button', { name: words.save }).click();
        await page.waitForURL(/\?saved=true$/);
        assert.equal((await page.locator('.ps-notice').textContent()).trim(), words.saved);

        await page.goto(urlFor(`/coordination/${lang}/export`));
        await page.locator('#form').selectOption('intake');
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('button', { name: words.export }).click(),
        ]);
        assert.match(download.suggestedFilename(), /^intake-\d{4}-\d{2}-\d{2}\.csv$/);
        const csv = readFileSync(await download.path(), 'utf8');
        assert.ok(csv.startsWith('"reference","form"'), csv.slice(0, 80));
        assert.ok(csv.includes(`"${reference}"`), 'the export holds the intake');

        await page.goto(urlFor(`/coordination/${lang}/submissions/${reference}`));
        await page.getByRole('link', { name: words.deleteNow }).click();
        await page.waitForURL(new RegExp(`/submissions/${reference}/delete$`));
        await page.getByRole('button', { name: words.confirm }).click();
        await page.waitForURL(new RegExp(`/coordination/${lang}/\\?deleted=${reference}$`));
        assert.equal((await page.locator('.ps-notice').textContent()).trim(), words.deleted(reference));
        assert.equal(await page.locator('tbody tr', { hasText: reference }).count(), 0, 'gone from the inbox');

        const lines = await activityLines(page, lang);
        // Newest first: deleted, exported, marked done, first viewed (a view follows each change).
        const [deleted, exported, marked, viewed] = words.steps(reference);
        const at = {
          deleted: lines.findIndex((line) => line.includes(deleted)),
          marked: lines.findIndex((line) => line.includes(marked)),
          viewed: lines.findLastIndex((line) => line.includes(viewed)),
        };
        at.exported = lines.findIndex((line, i) => i > at.deleted && line.includes(exported));
        const log = lines.join('\n');
        for (const [step, index] of Object.entries(at)) assert.ok(index >= 0, `${step} in the log:\n${log}`);
        assert.ok(at.deleted < at.exported && at.exported < at.marked && at.marked < at.viewed, log);
        const answers = lang === 'fr' ? 'Dominique Essai' : 'Sam Tester';
        assert.ok(!lines.join('\n').includes(answers), 'never an answer in the log');
        assert.deepEqual(csp, []);
        assert.deepEqual(external, []);
      } finally {
        await context.close();
      }
    });
  });
}

describe('the inbox flow with the keyboard only', () => {
  test('Tab to a submission, open it, mark it in progress and save, with keys alone', async () => {
    const { context, page } = await signedInPage();
    try {
      const reference = await sendIntake(page, 'en');
      await page.goto(urlFor('/coordination/en/?form=intake'));
      const link = `/coordination/en/submissions/${reference}`;
      const reached = await tabUntil(page, link);
      assert.ok(reached, 'the submission link is reachable with Tab');
      await assertFocusVisible(page);
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`${link}$`));
      // Tab reaches the radio group at its checked radio (new); the arrow keys choose.
      assert.ok(await tabUntilId(page, 'progress-new'), 'the progress radios are reachable');
      await assertFocusVisible(page);
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'progress-in-progress');
      assert.ok(await page.locator('#progress-in-progress').isChecked());
      assert.ok(await tabUntilText(page, 'Save progress'), 'the save button is reachable');
      await assertFocusVisible(page);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\?saved=true$/);
      assert.match(await page.locator('.ps-notice').textContent(), /Progress saved: In progress\./);
    } finally {
      await context.close();
    }
  });
});

/** Presses Tab until the focused element is the link to `href` (at most 80 times). */
async function tabUntil(page, href) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => document.activeElement?.getAttribute('href'));
    if (at === href) return true;
  }
  return false;
}

async function tabUntilId(page, id) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.id)) === id) return true;
  }
  return false;
}

async function tabUntilText(page, text) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === text) return true;
  }
  return false;
}

/** The focused element shows where focus is: an outline or a box shadow, never nothing. */
async function assertFocusVisible(page) {
  const style = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow, bg: s.backgroundColor };
  });
  const outlined = style.outline !== 'none' && style.width !== '0px';
  assert.ok(outlined || style.shadow !== 'none', `focus visible: ${JSON.stringify(style)}`);
}

describe('every workspace page: axe, Nu, no sideways scrolling, in both languages at 1280 and 320 px', () => {
  test('axe finds no violation and Nu no error', async () => {
    const { context, page } = await signedInPage();
    let reference;
    try {
      reference = await sendIntake(page, 'fr');
    } finally {
      await context.close();
    }
    const paths = (lang) => [
      `/coordination/${lang}/`,
      `/coordination/${lang}/?form=nope`,
      `/coordination/${lang}/submissions/${reference}`,
      `/coordination/${lang}/submissions/${reference}?saved=true`,
      `/coordination/${lang}/submissions/${reference}/delete`,
      `/coordination/${lang}/submissions/AAAAAAAA`,
      `/coordination/${lang}/registrations`,
      `/coordination/${lang}/export`,
      `/coordination/${lang}/export?form=nope`,
      `/coordination/${lang}/activity`,
    ];
    const problems = [];
    const sources = [];
    for (const lang of ['en', 'fr']) {
      for (const width of WIDTHS) {
        const { context, page, csp, external } = await signedInPage({ width });
        try {
          for (const path of paths(lang)) {
            const response = await page.goto(urlFor(path));
            if (width === WIDTHS[0]) sources.push({ path, html: await response.text() });
            assert.equal(response.headers()['cache-control'], 'no-store', path);
            problems.push(...formatAxeViolations(path, width, await runAxe(page)));
            const wide = await page.evaluate(
              () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
            );
            if (wide) problems.push(`${path} @${width}px scrolls sideways`);
          }
          // The progress form sent without a choice: its error summary and message.
          await page.goto(urlFor(`/coordination/${lang}/submissions/${reference}`));
          await page.evaluate(() => document.querySelectorAll('input[name="progress"]').forEach((r) => { r.checked = false; }));
          await page.locator('form.ps-form button[type="submit"]').first().click();
          await page.waitForLoadState();
          assert.match(await page.title(), lang === 'fr' ? /^Erreur/ : /^Error/);
          problems.push(...formatAxeViolations(`${lang} progress error`, width, await runAxe(page)));
          if (width === WIDTHS[0]) sources.push({ path: `${lang}-progress-error`, html: await page.content() });
          assert.deepEqual(csp, [], `${lang} @${width}`);
          assert.deepEqual(external, []);
        } finally {
          await context.close();
        }
      }
    }
    problems.push(...nuErrors(sources));
    assert.deepEqual(problems, [], problems.join('\n'));
  });
});

/** The W3C Nu checker's errors on each page's HTML (as served). */
function nuErrors(sources) {
  const dir = mkdtempSync(join(tmpdir(), 'workspace-nu-'));
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
