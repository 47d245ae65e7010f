// The forms, used as a person would: fill each one with the keyboard, send it, see the
// confirmation with its reference, and find the emails in the outbox; send one with mistakes
// and see the error summary focused, linking to each field, with the answers kept. In English
// and French, with the enhancement script and without JavaScript. Someone who asks to be
// called gets no email at all; anonymous feedback shows no reference number.
//
// Run by scripts/test.sh against `site serve` (see lib.mjs for the environment: BASE_URL,
// DIST_DIR for _passerelle/forms.json, PASSERELLE_OUTBOX for the .eml files).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DIST_DIR,
  OUTBOX,
  formatAxeViolations,
  launchBrowser,
  newGuardedContext,
  runAxe,
  urlFor,
  watchCsp,
} from './lib.mjs';

/** form id -> { en: path, fr: path }, from the pages the generator wrote for the handler
 * (_passerelle/forms.json: form id -> language -> { url, frame }, render::FormPages). */
const FORMS = Object.fromEntries(
  Object.entries(JSON.parse(readFileSync(join(DIST_DIR, '_passerelle/forms.json'), 'utf8'))).map(
    ([form, pages]) => [form, { en: pages.en.url, fr: pages.fr.url }],
  ),
);
const REFERENCE = /^[ACDEFGHJKMNPRTUVWXY34679]{8}$/;
const WORDS = {
  en: {
    error: 'Error:',
    problem: 'There is a problem',
    reference: 'Your reference number',
    acknowledgement: 'We have sent an acknowledgement of receipt to your email address.',
    // What happens next for someone who asked for a call: the intake form by phone, no email.
    byPhone: /If you chose a phone call, they will call you and fill out the intake form with you during the call: we will not email you\./,
  },
  fr: {
    error: 'Erreur\u00a0:',
    problem: 'Il y a un problème',
    reference: 'Votre numéro de référence',
    acknowledgement: 'Nous avons envoyé un accusé de réception à votre adresse courriel.',
    byPhone: /Si vous avez choisi un appel téléphonique, cette personne vous appellera et remplira avec vous le formulaire d’admission pendant l’appel\s?: nous ne vous enverrons aucun courriel\./,
  },
};
/** A different address each run, so this run's acknowledgement is found in the outbox. */
const RUN = Date.now().toString(36);

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A page in a guarded context (nothing leaves 127.0.0.1), with or without JavaScript. */
async function open(path, { javaScript = true } = {}) {
  const { context } = await newGuardedContext(browser);
  if (!javaScript) {
    await context.close();
    const plain = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
    await plain.route('**/*', (route) =>
      new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient'),
    );
    const page = await plain.newPage();
    await page.goto(urlFor(path));
    return { context: plain, page, csp: [] };
  }
  const page = await context.newPage();
  const csp = await watchCsp(page);
  await page.goto(urlFor(path));
  return { context, page, csp };
}

/** Focuses a control and types, or ticks, with the keyboard only. */
async function typeInto(page, selector, text) {
  await page.locator(selector).focus();
  await page.keyboard.type(text);
}
async function tick(page, selector) {
  await page.locator(selector).focus();
  await page.keyboard.press('Space');
}
/** Ticks the first option of a radio group (whatever the content offers today). */
async function chooseFirst(page, form, name) {
  await tick(page, `form[data-ps-form="${form}"] input[name="${name}"] >> nth=0`);
}

/** Fills the intake in page order. By email (the first contact choice) unless `phone` is given,
 * then by phone without a voicemail, with that number and no email address. */
async function fillIntake(page, { email, phone, lang, skip = [] }) {
  const steps = {
    name: () => typeInto(page, '#intake-name', lang === 'fr' ? 'Dominique Essai' : 'Sam Tester'),
    language: () => tick(page, lang === 'fr' ? '#intake-language-2' : '#intake-language'),
    contact_method: () => tick(page, phone ? '#intake-contact-method-2' : '#intake-contact-method'),
    email: () => (phone ? undefined : typeInto(page, '#intake-email', email)),
    phone: () => (phone ? typeInto(page, '#intake-phone', phone) : undefined),
    group_type: () => chooseFirst(page, 'intake', 'group_type'),
    composition: () => typeInto(page, '#intake-composition', 'No preference.'),
    member_status: () => tick(page, '#intake-member-status-3'),
    adult: () => tick(page, '#intake-adult'),
    affected: () => tick(page, '#intake-affected'),
    device: () => tick(page, '#intake-device'),
    intake_meeting: () => tick(page, '#intake-intake-meeting'),
    consent_contact: () => tick(page, '#intake-consent-contact'),
  };
  for (const [field, step] of Object.entries(steps)) {
    if (!skip.includes(field)) await step();
  }
}

async function fillRegistration(page, { email, lang }) {
  await chooseFirst(page, 'registration', 'session');
  await typeInto(page, '#registration-name', 'Robin Tester');
  await tick(page, lang === 'fr' ? '#registration-language-2' : '#registration-language');
  await tick(page, '#registration-contact-method');
  await typeInto(page, '#registration-email', email);
  await tick(page, '#registration-member-status');
  for (const id of ['adult', 'affected', 'device', 'code-of-conduct', 'confidentiality', 'consent-contact']) {
    await tick(page, `#registration-${id}`);
  }
}

async function fillFeedback(page) {
  await chooseFirst(page, 'feedback', 'service');
  await tick(page, '#feedback-rating-2');
  await typeInto(page, '#feedback-comments', 'The evening time suited me.');
}

/** Sends the form from its submit button, with the keyboard. */
async function send(page, form) {
  await page.locator(`form[data-ps-form="${form}"] button[type="submit"]`).focus();
  await page.keyboard.press('Enter');
}

/** Waits for the confirmation page and returns its reference. */
async function confirmation(page, form, lang, title) {
  await page.waitForURL(new RegExp(`/api/forms/${form}/confirmation\\?ref=`));
  const panel = page.locator('.ps-panel--confirmation');
  await panel.waitFor();
  const reference = (await panel.locator('[data-ps-reference]').textContent()).trim();
  assert.match(reference, REFERENCE);
  assert.match(await panel.textContent(), new RegExp(WORDS[lang].reference));
  assert.match(await page.title(), new RegExp(`^${title} - `));
  assert.equal(await page.locator('form[data-ps-form]').count(), 0, 'the form is gone');
  // The panel's title is the page's one h1: the form page's title and introduction are gone.
  const headings = (await page.locator('h1').allTextContents()).map((h) => h.trim());
  assert.deepEqual(headings, [title], 'the confirmation title is the only h1');
  // The toggle shows this confirmation in the other language, not an empty form.
  const toggle = new URL(await page.locator('header a[hreflang]').getAttribute('href'), page.url());
  assert.equal(toggle.pathname, `/api/forms/${form}/confirmation`);
  assert.equal(toggle.searchParams.get('ref'), reference);
  assert.equal(toggle.searchParams.get('lang'), lang === 'en' ? 'fr' : 'en');
  return reference;
}

/** Whether the confirmation page says an acknowledgement was emailed. */
async function saysAcknowledged(page, lang) {
  return (await page.locator('.ps-form-region').textContent()).includes(WORDS[lang].acknowledgement);
}

/** The outbox's file names now. */
function outboxFiles() {
  return existsSync(OUTBOX) ? readdirSync(OUTBOX).filter((f) => f.endsWith('.eml')) : [];
}

/** The outbox's messages about `reference`, waiting for the notifier (it runs on each store). */
async function emailsAbout(reference, expected) {
  const deadline = Date.now() + 15_000;
  let found = [];
  while (Date.now() < deadline) {
    found = existsSync(OUTBOX)
      ? readdirSync(OUTBOX)
          .filter((f) => f.endsWith('.eml'))
          .map((f) => readFileSync(join(OUTBOX, f), 'utf8'))
          .filter((m) => m.includes(`X-Passerelle-Reference: ${reference}`))
      : [];
    if (found.length >= expected) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return found;
}

function kind(message) {
  return message.match(/^X-Passerelle-Kind: (\S+)/m)?.[1];
}

/** The error summary: focused, titled, and its links' targets. */
async function errorSummary(page, lang) {
  const summary = page.locator('[data-ps-error-summary]');
  await summary.waitFor();
  await page.waitForFunction(() => document.activeElement?.matches('[data-ps-error-summary]'));
  assert.match(await summary.textContent(), new RegExp(WORDS[lang].problem));
  assert.ok((await page.title()).startsWith(`${WORDS[lang].error} `), await page.title());
  return summary.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
}

for (const lang of ['en', 'fr']) {
  describe(`forms in ${lang === 'en' ? 'English' : 'French'}`, () => {
    test('intake: filled with the keyboard, confirmed, both emails in the outbox', async () => {
      const { context, page, csp } = await open(FORMS.intake[lang]);
      try {
        const email = `intake-${lang}-${RUN}@example.ca`;
        await fillIntake(page, { email, lang });
        await send(page, 'intake');
        const reference = await confirmation(page, 'intake', lang, lang === 'en' ? 'Request received' : 'Demande reçue');
        assert.ok(await saysAcknowledged(page, lang), 'the page says the acknowledgement is on its way');
        assert.deepEqual(formatAxeViolations(page.url(), 1280, await runAxe(page)), []);
        const emails = await emailsAbout(reference, 2);
        assert.deepEqual(emails.map(kind).sort(), ['acknowledgement', 'coordinator']);
        const acknowledgement = emails.find((m) => kind(m) === 'acknowledgement');
        assert.match(acknowledgement, new RegExp(`^To: ${email.replace(/[.+]/g, '\\$&')}`, 'm'));
        assert.ok(!acknowledgement.includes('Sam Tester') && !acknowledgement.includes('Dominique Essai'), 'no answers in the acknowledgement');
        assert.deepEqual(csp, []);
      } finally {
        await context.close();
      }
    });

    test('intake by phone: no email address needed, and no email sent to the person', async () => {
      const { context, page, csp } = await open(FORMS.intake[lang]);
      try {
        // The address is not asked for: no "(optional)", no `required`; its hint says when.
        const label = await page.locator('label[for="intake-email"]').textContent();
        assert.ok(!label.includes(lang === 'en' ? '(optional)' : '(facultatif)'), label);
        assert.equal(await page.locator('#intake-email').getAttribute('required'), null);
        await fillIntake(page, { phone: '613-555-0100', lang });
        await send(page, 'intake');
        const reference = await confirmation(page, 'intake', lang, lang === 'en' ? 'Request received' : 'Demande reçue');
        assert.ok(!(await saysAcknowledged(page, lang)), 'no acknowledgement is promised');
        // The intake form itself is not emailed either: the page says how it reaches them.
        assert.match(await page.locator('.ps-form-region').textContent(), WORDS[lang].byPhone);
        const emails = await emailsAbout(reference, 1);
        // The notifier sends a submission's emails in one run: give it a moment more.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        assert.deepEqual((await emailsAbout(reference, 1)).map(kind), ['coordinator'], 'coordinators only');
        // The notice carries no personal data (PASSERELLE_NOTICE_ANSWERS unset): the number to
        // call is in the workspace, which the notice links to (quoted-printable soft breaks
        // joined).
        const notice = emails[0].replace(/=\r?\n/g, '');
        assert.doesNotMatch(notice, /613-555-0100/, 'no answer in the coordinators\' notice');
        assert.match(notice, new RegExp(`/coordination/(en|fr)/submissions/${reference}`), 'the link to the submission');
        assert.deepEqual(csp, []);
      } finally {
        await context.close();
      }
    });

    test('intake with mistakes: the summary takes focus, links to each field, answers kept', async () => {
      const { context, page, csp } = await open(FORMS.intake[lang]);
      try {
        await fillIntake(page, { email: 'sam@example', lang, skip: ['adult', 'consent_contact'] });
        await send(page, 'intake');
        const links = await errorSummary(page, lang);
        assert.deepEqual(links, ['#intake-email', '#intake-adult', '#intake-consent-contact']);
        assert.equal(new URL(page.url()).pathname, FORMS.intake[lang], 'shown in place by the script');
        const violations = await runAxe(page);
        assert.deepEqual(formatAxeViolations(page.url(), 1280, violations), []);
        assert.equal(await page.inputValue('#intake-email'), 'sam@example');
        assert.ok(await page.isChecked('#intake-member-status-3'), 'ticked boxes stay ticked');
        // The first link takes the keyboard to its field.
        await page.locator('[data-ps-error-summary] a >> nth=0').focus();
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.activeElement?.id === 'intake-email');
        // Fixing the mistakes sends it.
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(`fixed-${lang}-${RUN}@example.ca`);
        await tick(page, '#intake-adult');
        await tick(page, '#intake-consent-contact');
        await send(page, 'intake');
        await confirmation(page, 'intake', lang, lang === 'en' ? 'Request received' : 'Demande reçue');
        assert.deepEqual(csp, []);
      } finally {
        await context.close();
      }
    });

    test('intake without JavaScript: the handler answers with the page and its summary', async () => {
      const { context, page } = await open(FORMS.intake[lang], { javaScript: false });
      try {
        // An address the browser accepts but the handler does not (no dot in the domain).
        await fillIntake(page, { email: 'sam@example', lang });
        await send(page, 'intake');
        await page.waitForURL(/\/api\/forms\/intake$/);
        const summary = page.locator('[data-ps-error-summary]');
        await summary.waitFor();
        assert.ok(await page.evaluate(() => document.activeElement?.matches('[data-ps-error-summary]')), 'autofocus');
        assert.deepEqual(await summary.locator('a').evaluateAll((a) => a.map((x) => x.getAttribute('href'))), ['#intake-email']);
        assert.ok((await page.title()).startsWith(`${WORDS[lang].error} `));
        assert.equal(await page.inputValue('#intake-email'), 'sam@example');
        assert.ok(await page.isChecked('#intake-adult'));
        await page.locator('#intake-email').focus();
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(`nojs-${lang}-${RUN}@example.ca`);
        await send(page, 'intake');
        const reference = await confirmation(page, 'intake', lang, lang === 'en' ? 'Request received' : 'Demande reçue');
        assert.equal((await emailsAbout(reference, 2)).length, 2);
      } finally {
        await context.close();
      }
    });

    test('registration: an open session (or interest), confirmed, both emails', async () => {
      const { context, page, csp } = await open(FORMS.registration[lang]);
      try {
        const available = await page.locator('input[name="session"]').count();
        if (available === 0) {
          // Nothing open at this date: the page says so and there is nothing to send.
          assert.ok(await page.locator('#registration-session').isVisible());
          return;
        }
        await fillRegistration(page, { email: `registration-${lang}-${RUN}@example.ca`, lang });
        await send(page, 'registration');
        await page.waitForURL(/confirmation\?ref=/);
        const reference = (await page.locator('[data-ps-reference]').textContent()).trim();
        assert.match(reference, REFERENCE);
        const emails = await emailsAbout(reference, 2);
        assert.deepEqual(emails.map(kind).sort(), ['acknowledgement', 'coordinator']);
        assert.deepEqual(csp, []);
      } finally {
        await context.close();
      }
    });

    test('feedback: anonymous, confirmed without a reference, coordinators notified in the morning batch', async () => {
      const { context, page, csp } = await open(FORMS.feedback[lang]);
      try {
        const before = new Set(outboxFiles());
        await fillFeedback(page);
        await send(page, 'feedback');
        // Nothing on the page, or in its address, could tie the person to what they sent.
        // The address is signed (sig=) and carries no reference.
        await page.waitForURL(/\/api\/forms\/feedback\/confirmation\?sig=[0-9a-f]{32}&lang=/);
        const panel = page.locator('.ps-panel--confirmation');
        await panel.waitFor();
        const title = lang === 'en' ? 'Thank you for your feedback' : 'Merci de vos commentaires';
        assert.match(await panel.textContent(), new RegExp(title));
        assert.equal(await page.locator('[data-ps-reference]').count(), 0);
        assert.ok(!(await page.locator('main').textContent()).includes(WORDS[lang].reference));
        assert.ok(!page.url().includes('ref='), page.url());
        assert.match(await page.title(), new RegExp(`^${title} - `));
        assert.deepEqual(formatAxeViolations(page.url(), 1280, await runAxe(page)), []);
        // The coordinators' notice waits for the next morning batch, so its time cannot point
        // to the writer (handler/src/anonymous.rs; its content is checked in handler/tests).
        // The server's notifier wakes as soon as something is stored and sends other forms'
        // notices within a second: two seconds without one shows it is held back.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const notices = outboxFiles()
          .filter((f) => !before.has(f))
          .map((f) => readFileSync(join(OUTBOX, f), 'utf8'))
          .filter((m) => /^Subject: Anonymous feedback \/ Commentaires anonymes/m.test(m));
        assert.equal(notices.length, 0, 'no notice before the morning batch');
        assert.deepEqual(csp, []);
      } finally {
        await context.close();
      }
    });
  });
}
