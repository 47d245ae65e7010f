// The quick exit's keyboard shortcut, key by key, in English and French (site.test.mjs proves
// the plain Shift x3 on every page): left and right Shift count alike, a Shift held to type a
// capital in a field is not a press, and any other key starts the count again. The page says
// how many presses are left (a status message) and the safety page promises all of this.
//
// Run by scripts/test.sh against `site serve` (see lib.mjs for BASE_URL and DIST_DIR).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_DIR, launchBrowser, newGuardedContext, readSiteConfig, urlFor } from './lib.mjs';

// _passerelle/forms.json: form id -> language -> { url, frame } (render::FormPages).
const FORMS = Object.fromEntries(
  Object.entries(JSON.parse(readFileSync(join(DIST_DIR, '_passerelle/forms.json'), 'utf8'))).map(
    ([form, pages]) => [form, { en: pages.en.url, fr: pages.fr.url }],
  ),
);
const { quickExitUrl } = readSiteConfig();
/** Long enough for a navigation to start; shorter than the script's 1 s between presses. */
const SETTLE_MS = 400;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A page whose quick exit is answered locally; `exits` lists the exit requests made. */
async function open(path) {
  const { context } = await newGuardedContext(browser);
  const exits = [];
  await context.route(
    (url) => url.href === quickExitUrl,
    (route) => {
      exits.push(route.request().url());
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>Exit</title><p>Left.</p>' });
    },
  );
  const page = await context.newPage();
  await page.goto(urlFor(path), { waitUntil: 'load' });
  return { context, page, exits };
}

/** Presses keys one after the other (Playwright names: 'ShiftLeft', 'ShiftRight', 'KeyA'). */
async function press(page, ...keys) {
  for (const key of keys) await page.keyboard.press(key);
}

/** Types `letters` as capitals, holding Shift down for each one, as a person does. */
async function typeCapitals(page, letters) {
  for (const letter of letters) {
    await page.keyboard.down('Shift');
    await page.keyboard.press(`Key${letter}`);
    await page.keyboard.up('Shift');
  }
}

/** Whether the page left for quick_exit_url within `ms`. */
function leavesWithin(page, ms) {
  return page.waitForURL((url) => url.href === quickExitUrl, { timeout: ms }).then(
    () => true,
    () => false,
  );
}

/** What the status message under the exit button says now, and what it says per press. */
async function indicator(page) {
  return page.evaluate(() => {
    const root = document.querySelector('[data-ps-exit]');
    return {
      now: document.querySelector('.ps-exit-this-page__indicator')?.textContent ?? null,
      twoMore: root.getAttribute('data-ps-exit-two-more'),
      oneMore: root.getAttribute('data-ps-exit-one-more'),
    };
  });
}

const HOME = { en: '/en/', fr: '/fr/' };

for (const lang of ['en', 'fr']) {
  describe(`quick exit shortcut in ${lang === 'en' ? 'English' : 'French'}`, () => {
    test('left and right Shift, alternating, count alike: three presses leave', async () => {
      const { context, page, exits } = await open(HOME[lang]);
      try {
        await press(page, 'ShiftLeft');
        const one = await indicator(page);
        assert.equal(one.now, one.twoMore, 'after one press: 2 more');
        await press(page, 'ShiftRight');
        const two = await indicator(page);
        assert.equal(two.now, two.oneMore, 'after two presses: 1 more');
        const left = leavesWithin(page, 5000);
        await press(page, 'ShiftLeft');
        assert.ok(await left, `still on ${page.url()} after Left, Right, Left Shift`);
        assert.deepEqual(exits, [quickExitUrl]);
      } finally {
        await context.close();
      }
    });

    test('a Shift held to type capitals in a field is not a press', async () => {
      const { context, page, exits } = await open(FORMS.intake[lang]);
      try {
        await page.locator('#intake-name').focus();
        const left = leavesWithin(page, 1000 + SETTLE_MS);
        await typeCapitals(page, 'SAM');
        await page.keyboard.press('Space');
        await typeCapitals(page, 'T');
        assert.ok(!(await left), 'typing capitals left the page');
        assert.deepEqual(exits, []);
        assert.equal(await page.inputValue('#intake-name'), 'SAM T');
        assert.equal((await indicator(page)).now, '', 'no count shown while typing');
        // A capital leaves nothing behind: three presses of Shift alone still leave.
        await typeCapitals(page, 'A');
        const leaving = leavesWithin(page, 5000);
        await press(page, 'ShiftRight', 'ShiftLeft', 'ShiftRight');
        assert.ok(await leaving, `still on ${page.url()} after a capital then Shift x3`);
      } finally {
        await context.close();
      }
    });

    test('a capital whose Shift release was lost (the window lost focus) does not swallow a press', async () => {
      const { context, page, exits } = await open(FORMS.intake[lang]);
      try {
        // Shift down, a capital typed, then the window loses focus before Shift comes up: the
        // release goes to another window, and this page never sees it.
        await page.evaluate(() => {
          document.dispatchEvent(new KeyboardEvent('keydown', { key: 'A', code: 'KeyA', shiftKey: true }));
          window.dispatchEvent(new Event('blur'));
        });
        const leaving = leavesWithin(page, 5000);
        await press(page, 'ShiftLeft', 'ShiftRight', 'ShiftLeft');
        assert.ok(await leaving, `still on ${page.url()} after Shift x3 back in the window`);
        assert.deepEqual(exits, [quickExitUrl]);
      } finally {
        await context.close();
      }
    });

    test('a Shift held over several capitals is not a press either', async () => {
      const { context, page, exits } = await open(FORMS.intake[lang]);
      try {
        await page.locator('#intake-name').focus();
        const left = leavesWithin(page, 1000 + SETTLE_MS);
        for (let i = 0; i < 3; i += 1) {
          await page.keyboard.down('Shift');
          await press(page, 'KeyA', 'KeyB');
          await page.keyboard.up('Shift');
        }
        assert.ok(!(await left), 'typing capitals left the page');
        assert.deepEqual(exits, []);
        assert.equal(await page.inputValue('#intake-name'), 'ABABAB');
      } finally {
        await context.close();
      }
    });

    test('any other key between presses starts the count again', async () => {
      const { context, page, exits } = await open(HOME[lang]);
      try {
        for (const other of ['KeyA', 'Tab', 'Escape', 'ArrowDown']) {
          const left = leavesWithin(page, SETTLE_MS);
          await press(page, 'ShiftLeft', 'ShiftRight', other);
          assert.equal((await indicator(page)).now, '', `${other} clears the count`);
          await press(page, 'ShiftLeft');
          const after = await indicator(page);
          assert.equal(after.now, after.twoMore, `after ${other}, the next Shift is the first press`);
          assert.ok(!(await left), `Shift, Shift, ${other}, Shift left the page`);
          await press(page, 'KeyB'); // start the next round from zero
        }
        assert.deepEqual(exits, []);
      } finally {
        await context.close();
      }
    });
  });
}
