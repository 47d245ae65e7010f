// Signing in to the coordinators' workspace as a coordinator does, with a passkey: the steps
// other browser tests reuse (tests/browser/workspace-sign-in.test.mjs drives them end to end).
//
//   const { cdp } = await addVirtualAuthenticator(page);   // a CTAP2 passkey device
//   const link = inviteFromOutbox(email, 'en');            // `handler invite`, link from the .eml
//   await enrol(page, link, 'Test laptop');                // -> signed in, at the inbox
//   await signOut(page);
//   await signIn(page, 'en', email);                       // -> signed in again
//
// Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain) stands for the
// coordinator's device: it creates and uses real credentials, which the handler verifies
// with webauthn-rs as it would a phone's. WebAuthn needs a host name, so the workspace is used
// at http://localhost:PORT (workspace-session.mjs: WORKSPACE_URL), as README says.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OUTBOX, REPO_ROOT, SITE_ROOT, DATA_DIR } from './lib.mjs';
import { WORKSPACE_URL, workspaceUrl } from './workspace-session.mjs';

/** The handler binary (`handler invite`): HANDLER_BIN, or the workspace's debug build. */
export const HANDLER_BIN = process.env.HANDLER_BIN ?? join(REPO_ROOT, 'target/debug/handler');

/** The words of the buttons the steps press, per language (content/strings.toml). */
export const SIGN_IN_WORDS = {
  en: {
    continue: 'Continue',
    create: 'Create my passkey',
    use: 'Use my passkey',
    signOut: 'Sign out',
    emailLabel: 'Email address',
    nameLabel: 'Name of this passkey (optional)',
  },
  fr: {
    continue: 'Continuer',
    create: 'Créer ma clé d’accès',
    use: 'Utiliser ma clé d’accès',
    signOut: 'Se déconnecter',
    emailLabel: 'Adresse courriel',
    nameLabel: 'Nom de cette clé d’accès (facultatif)',
  },
};

/** Lets a guarded context (lib.mjs: only 127.0.0.1 gets through) reach the workspace at localhost. */
export async function allowWorkspace(context) {
  await context.route(`${WORKSPACE_URL}/**`, (route) => route.continue());
}

/**
 * A virtual passkey device for `page`: CTAP2, built in ("internal"), with resident keys and
 * user verification that always succeeds. Returns { cdp, authenticatorId }.
 */
export async function addVirtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** An .eml file's text as read: quoted-printable soft breaks and `=XX` bytes undone (UTF-8). */
export function decodeQuotedPrintable(raw) {
  const joined = raw.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The outbox's messages, newest first, decoded. */
function outboxMessages() {
  return readdirSync(OUTBOX)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => join(OUTBOX, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    .map((file) => decodeQuotedPrintable(readFileSync(file, 'utf8')));
}

/**
 * `handler invite EMAIL` as the operator runs it, against the served site's store and outbox;
 * returns the invitation link in `lang` as found in the outbox (and checks the command printed
 * the English one).
 */
export function inviteFromOutbox(email, lang) {
  const printed = execFileSync(
    HANDLER_BIN,
    ['invite', email, '--origin', WORKSPACE_URL, '--root', SITE_ROOT, '--data-dir', DATA_DIR],
    { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } },
  );
  const englishLink = printed.match(/https?:\/\/\S+\/coordination\/en\/enrol\?token=[0-9a-f]{64}/)?.[0];
  if (!englishLink) throw new Error(`handler invite printed no link:\n${printed}`);
  const token = new URL(englishLink).searchParams.get('token');
  const message = outboxMessages().find((text) => text.includes(token));
  if (!message) throw new Error(`no invitation with token ${token} in ${OUTBOX}`);
  if (!message.includes(`To: ${email.toLowerCase()}`)) throw new Error(`the invitation is not to ${email}`);
  const link = message.match(new RegExp(`https?://\\S+/coordination/${lang}/enrol\\?token=${token}`))?.[0];
  if (!link) throw new Error(`no ${lang} link in the invitation:\n${message}`);
  return link;
}

/**
 * Opens the invitation `link`, continues, names the passkey `name` and creates it with the
 * page's virtual authenticator; resolves once signed in (at the workspace's inbox). `onPage`
 * (optional) is called on each page on the way (for axe and the Nu checker).
 */
export async function enrol(page, link, name, onPage = async () => {}) {
  const lang = new URL(link).pathname.split('/')[2];
  const words = SIGN_IN_WORDS[lang];
  await page.goto(link);
  await onPage('enrol');
  await page.getByRole('button', { name: words.continue }).click();
  await page.getByLabel(words.nameLabel).waitFor();
  await onPage('enrol passkey step');
  await page.getByLabel(words.nameLabel).fill(name);
  await page.getByRole('button', { name: words.create }).click();
  await page.waitForURL(workspaceUrl(`/coordination/${lang}/`));
}

/** Signs in as `email` with the page's virtual authenticator; resolves at the inbox. */
export async function signIn(page, lang, email, onPage = async () => {}) {
  const words = SIGN_IN_WORDS[lang];
  await page.goto(workspaceUrl(`/coordination/${lang}/sign-in`));
  await onPage('sign-in');
  await page.getByLabel(words.emailLabel).fill(email);
  await page.getByRole('button', { name: words.continue }).click();
  await page.getByRole('button', { name: words.use }).waitFor();
  await onPage('sign-in passkey step');
  await page.getByRole('button', { name: words.use }).click();
  await page.waitForURL(workspaceUrl(`/coordination/${lang}/`));
}

/** Signs out with the button every signed-in page has; resolves at the sign-in page. */
export async function signOut(page, lang) {
  await page.getByRole('button', { name: SIGN_IN_WORDS[lang].signOut }).click();
  await page.waitForURL(workspaceUrl(`/coordination/${lang}/sign-in?signed-out=1`));
}
