// Signing in to the coordinators' workspace with a passkey, in Chromium with a virtual
// authenticator (issue 12): `handler invite` -> the link from the outbox -> enrolment ->
// sign out -> sign in, in English (1280 px) and in French (320 px); the session cookie's
// attributes and a new session id at each sign-in; a used invitation refused; the activity
// log; a sign-in for an unlisted address that looks like a coordinator's. Every sign-in page
// on the way, and every one in both languages at 1280 and 320 px: axe (WCAG 2.2 AA), the W3C
// Nu checker, no sideways scrolling, the CSP, no outside request.
//
// Run by scripts/test.sh against `site serve` (lib.mjs: BASE_URL, SITE_ROOT, PASSERELLE_DATA_DIR;
// HANDLER_BIN for `handler invite`). The steps live in workspace-sign-in.mjs for other tests.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, WIDTHS, formatAxeViolations, launchBrowser, newGuardedContext, runAxe, watchCsp } from './lib.mjs';
import { SESSION_COOKIE, workspaceUrl } from './workspace-session.mjs';
import { addVirtualAuthenticator, allowWorkspace, enrol, inviteFromOutbox, signIn, signOut } from './workspace-sign-in.mjs';

const VNU_JAR = join(REPO_ROOT, 'node_modules/vnu-jar/build/dist/vnu.jar');
/** The coordinator: the first address of PASSERELLE_COORDINATORS (the default's, under test.sh). */
const EMAIL = (process.env.PASSERELLE_COORDINATORS ?? 'coordinators@passerelle.localhost').split(',')[0].trim();

const WORDS = {
  en: {
    invalid: 'This invitation link does not work',
    failed: 'Sign-in did not work',
    missing: 'Enter your email address',
    log: ['Signed in', 'Signed in', 'Signed out', 'Registered a passkey'],
  },
  fr: {
    invalid: 'Ce lien d’invitation ne fonctionne pas',
    failed: 'La connexion n’a pas fonctionné',
    missing: 'Entrez votre adresse courriel',
    log: ['S’est connecté ou connectée', 'S’est connecté ou connectée', 'S’est déconnecté ou déconnectée', 'A enregistré une clé d’accès'],
  },
};

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A guarded page that may reach the workspace at localhost, its CSP watched. */
async function workspacePage(width) {
  const { context, external } = await newGuardedContext(browser, { width });
  await allowWorkspace(context);
  const page = await context.newPage();
  const csp = await watchCsp(page);
  return { context, page, csp, external };
}

/** Checks the page now shown: axe, sideways scrolling; keeps its HTML for the Nu checker. */
function checker(page, width, problems, sources) {
  return async (name) => {
    problems.push(...formatAxeViolations(name, width, await runAxe(page)));
    const wide = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    if (wide) problems.push(`${name} @${width}px scrolls sideways`);
    sources.push({ path: name, html: await page.content() });
  };
}

async function sessionCookie(context) {
  return (await context.cookies(workspaceUrl('/'))).find((c) => c.name === SESSION_COOKIE);
}

/** Posts a form from the page itself (as a browser would from a page of the workspace). */
async function postFromPage(page, action, fields) {
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate(
      ({ action, fields }) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = action;
        for (const [name, value] of Object.entries(fields)) {
          const input = document.createElement('input');
          input.type = 'hidden';
          input.name = name;
          input.value = value;
          form.append(input);
        }
        document.body.append(form);
        form.submit();
      },
      { action, fields },
    ),
  ]);
}

describe('signing in to the workspace with a passkey', () => {
  for (const [lang, width] of [['en', 1280], ['fr', 320]]) {
    test(`invitation from the outbox -> enrolment -> sign out -> sign in (${lang}, ${width} px)`, async () => {
      const words = WORDS[lang];
      const { context, page, csp, external } = await workspacePage(width);
      const problems = [];
      const sources = [];
      const check = checker(page, width, problems, sources);
      try {
        await addVirtualAuthenticator(page);
        const link = inviteFromOutbox(EMAIL, lang);
        await enrol(page, link, `Test device ${lang}`, (name) => check(`${lang} ${name}`));

        // Signed in: the cookie as the handler sets it.
        const first = await sessionCookie(context);
        assert.ok(first, 'a session cookie after enrolment');
        assert.equal(first.httpOnly, true);
        assert.equal(first.secure, true);
        assert.equal(first.sameSite, 'Strict');
        assert.equal(first.path, '/');
        assert.equal(first.domain, 'localhost', 'host-only (__Host-)');
        assert.match(first.value, /^[0-9a-f]{64}$/);

        await page.goto(workspaceUrl(`/coordination/${lang}/coordinators`));
        assert.match(await page.locator('main').textContent(), new RegExp(`Test device ${lang}`));
        await check(`${lang} coordinators`);

        await signOut(page, lang);
        await check(`${lang} signed out`);
        assert.equal(await sessionCookie(context), undefined, 'the cookie is gone');
        await page.goto(workspaceUrl(`/coordination/${lang}/`));
        assert.equal(page.url(), workspaceUrl(`/coordination/${lang}/sign-in`), 'signed out for real');

        // The invitation worked once.
        await page.goto(link);
        await page.locator('main form button').click();
        await page.waitForLoadState();
        assert.match(await page.locator('h1').textContent(), new RegExp(words.invalid));
        await check(`${lang} invitation used`);

        await signIn(page, lang, EMAIL, (name) => check(`${lang} ${name}`));
        const second = await sessionCookie(context);
        assert.ok(second && second.value !== first.value, 'a new session id at sign-in');

        // Signing in again from the same browser ends the session it had.
        await signIn(page, lang, EMAIL);
        const third = await sessionCookie(context);
        assert.notEqual(third.value, second.value);
        const { context: other, external: otherExternal } = await newGuardedContext(browser, { width });
        try {
          await allowWorkspace(other);
          await other.addCookies([{ ...second, expires: -1 }]);
          const stale = await other.newPage();
          await stale.goto(workspaceUrl(`/coordination/${lang}/`));
          assert.equal(stale.url(), workspaceUrl(`/coordination/${lang}/sign-in`), 'the replaced session ended');
          assert.deepEqual(otherExternal, []);
        } finally {
          await other.close();
        }

        await page.goto(workspaceUrl(`/coordination/${lang}/activity`));
        const log = await page.locator('main').textContent();
        let at = 0;
        for (const line of words.log) {
          const found = log.indexOf(line, at);
          assert.ok(found >= 0, `the activity log shows "${line}" (newest first)`);
          at = found + line.length;
        }

        // The refusals, as pages: no address, and an answer the server cannot verify.
        await page.goto(workspaceUrl(`/coordination/${lang}/sign-in`));
        await page.locator('main form button').click();
        await page.waitForLoadState();
        assert.match(await page.title(), lang === 'fr' ? /^Erreur/ : /^Error/);
        assert.match(await page.locator('main').textContent(), new RegExp(words.missing));
        await check(`${lang} sign-in without an address`);
        await postFromPage(page, workspaceUrl(`/coordination/${lang}/sign-in/finish`), { ceremony: '0', credential: '{}' });
        assert.match(await page.locator('main').textContent(), new RegExp(words.failed));
        await check(`${lang} sign-in failed`);

        assert.deepEqual(csp, []);
        assert.deepEqual(external, []);
      } finally {
        await context.close();
      }
      problems.push(...nuErrors(sources));
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }

  test('a sign-in for an unlisted address looks like one for a coordinator with passkeys', async () => {
    const { context, page } = await workspacePage(1280);
    try {
      await page.goto(workspaceUrl('/coordination/en/sign-in'));
      const optionsFor = async (email) => {
        await page.goto(workspaceUrl('/coordination/en/sign-in'));
        await page.getByLabel('Email address').fill(email);
        await page.locator('main form button').click();
        await page.waitForLoadState();
        return JSON.parse(await page.locator('form[data-passkey]').getAttribute('data-options'));
      };
      const shape = (options) => {
        const key = options.publicKey;
        return {
          keys: Object.keys(options).sort(),
          publicKey: Object.keys(key).sort(),
          credential: Object.keys(key.allowCredentials[0]).sort(),
          type: key.allowCredentials[0].type,
          some: key.allowCredentials.length > 0,
          rpId: key.rpId,
          timeout: key.timeout,
          userVerification: key.userVerification,
        };
      };
      const real = await optionsFor(EMAIL);
      const decoy = await optionsFor('nobody-here@example.ca');
      assert.deepEqual(shape(decoy), shape(real));
    } finally {
      await context.close();
    }
  });

  test('every sign-in page, both languages, 1280 and 320 px: axe, Nu, no sideways scrolling', async () => {
    const problems = [];
    const sources = [];
    for (const lang of ['en', 'fr']) {
      for (const width of WIDTHS) {
        const { context, page, csp, external } = await workspacePage(width);
        const check = checker(page, width, problems, sources);
        try {
          for (const path of [
            `/coordination/${lang}/sign-in`,
            `/coordination/${lang}/sign-in?signed-out=1`,
            `/coordination/${lang}/enrol?token=${'ab'.repeat(32)}`,
            `/coordination/${lang}/enrol?token=`,
          ]) {
            const response = await page.goto(workspaceUrl(path));
            assert.equal(response.headers()['cache-control'], 'no-store', path);
            await check(`${path} @${width}`);
          }
          assert.deepEqual(csp, []);
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

/** The W3C Nu checker's errors on each page's HTML. */
function nuErrors(sources) {
  const dir = mkdtempSync(join(tmpdir(), 'workspace-sign-in-nu-'));
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
