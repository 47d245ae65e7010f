// "Register for this activity" leads to the registration form with that activity chosen, when
// the choice is not ambiguous; the person can still change it. Run by scripts/test.sh against
// `site serve` (see lib.mjs for BASE_URL and DIST_DIR).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_DIR, launchBrowser, newGuardedContext, urlFor } from './lib.mjs';

// _passerelle/forms.json: form id -> language -> { url, frame } (render::FormPages).
const FORMS = Object.fromEntries(
  Object.entries(JSON.parse(readFileSync(join(DIST_DIR, '_passerelle/forms.json'), 'utf8'))).map(
    ([form, pages]) => [form, { en: pages.en.url, fr: pages.fr.url }],
  ),
);
const COFFEE_CHAT = {
  en: '/en/activities/mens-virtual-coffee-chat/',
  fr: '/fr/activites/cafe-causerie-virtuel-pour-hommes/',
};

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function open(path) {
  const { context } = await newGuardedContext(browser);
  const page = await context.newPage();
  await page.goto(urlFor(path));
  return { context, page };
}

/** The values of the checked session options. */
function checkedSessions(page) {
  return page.$$eval('form[data-ps-form="registration"] input[name="session"]:checked', (inputs) =>
    inputs.map((i) => i.value),
  );
}

for (const lang of ['en', 'fr']) {
  test(`${lang}: the activity's register link chooses that activity on the form`, async () => {
    const { context, page } = await open(COFFEE_CHAT[lang]);
    try {
      const link = page.locator('main a[href*="?offering=mens-virtual-coffee-chat"]');
      assert.equal(await link.count(), 1, 'one register link naming the activity');
      await link.click();
      await page.waitForURL((url) => url.pathname === FORMS.registration[lang]);
      assert.deepEqual(await checkedSessions(page), ['mens-virtual-coffee-chat']);
    } finally {
      await context.close();
    }
  });
}

test('an unknown offering, or a prefix of one, chooses nothing', async () => {
  const path = FORMS.registration.en;
  for (const query of ['?offering=nothing-like-this', '?offering=mens', '']) {
    const { context, page } = await open(`${path}${query}`);
    try {
      assert.deepEqual(await checkedSessions(page), [], query);
    } finally {
      await context.close();
    }
  }
});

// Today's content may have no activity with a session per language, so the script is shown a
// form that has one, on a page of the served site's origin.
test('with one option per language, nothing is chosen; an answer already given is kept', async () => {
  const { context, page } = await open(FORMS.registration.en);
  try {
    const script = await page.$eval('script[src*="/assets/form."]', (s) => s.getAttribute('src'));
    const form = (checked) => `<!doctype html><html lang="en"><title>t</title>
      <form data-ps-form="registration" action="/api/forms/registration" method="post">
      <input type="radio" name="session" value="workshop:english">
      <input type="radio" name="session" value="workshop:french">
      <input type="radio" name="session" value="chat"${checked ? ' checked' : ''}>
      <input type="radio" name="session" value="other"></form>
      <script src="${script}" defer></script></html>`;
    const cases = [
      ['?offering=workshop', false, []],
      ['?offering=chat', false, ['chat']],
      ['?offering=other', true, ['chat']],
    ];
    for (const [query, checked, expected] of cases) {
      const url = urlFor(`/__preselect/${query}`);
      await page.route(url, (route) =>
        route.fulfill({ contentType: 'text/html; charset=utf-8', body: form(checked) }),
      );
      await page.goto(url);
      await page.waitForFunction(() => document.readyState === 'complete');
      assert.deepEqual(await checkedSessions(page), expected, query);
      await page.unroute(url);
    }
  } finally {
    await context.close();
  }
});
