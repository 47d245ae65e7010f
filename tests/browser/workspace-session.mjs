// A coordinator's workspace session for browser tests that are about the workspace's pages,
// not about signing in (tests/browser/workspace-inbox.test.mjs). It is written into the served
// SQLite store exactly as a sign-in writes it (handler/src/auth/mod.rs: the store keeps the
// SHA-256 of a random id; the CSRF token is derived from the id), for the first address of
// PASSERELLE_COORDINATORS, and the browser gets the session cookie.

import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BASE_URL, DATA_DIR } from './lib.mjs';

/** The session cookie's name (handler/src/auth/mod.rs SESSION_COOKIE). */
export const SESSION_COOKIE = '__Host-passerelle-session';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * The served site at `localhost`, as coordinators use the workspace locally (README): the
 * session cookie is `__Host-` and Secure, which a browser keeps for http://localhost (a secure
 * context) and never for a bare IP address such as 127.0.0.1.
 */
export const WORKSPACE_URL = BASE_URL.replace('://127.0.0.1', '://localhost');

/** The address of `path` on the served site at localhost. */
export const workspaceUrl = (path) => new URL(path, `${WORKSPACE_URL}/`).href;

/**
 * A fresh session: { coordinator, csrf, signIn(context) }, in the served store (or the one in
 * `dataDir`, for a site served at `siteUrl` by a test of its own). `signIn` lets a guarded context
 * (lib.mjs: only 127.0.0.1 gets through) reach localhost, this machine under its name, and
 * gives it the session cookie as the server sets it: host-only, Secure, HttpOnly, Strict.
 */
export async function workspaceSession({ dataDir = DATA_DIR, siteUrl = WORKSPACE_URL } = {}) {
  const coordinator = (process.env.PASSERELLE_COORDINATORS ?? 'coordinators@passerelle.localhost')
    .split(',')[0]
    .trim()
    .toLowerCase();
  const id = randomBytes(32).toString('hex');
  const now = Date.now();
  const store = join(dataDir, 'passerelle.sqlite3');
  execFileSync('python3', [
    '-c',
    `import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("INSERT INTO sessions (id_hash, coordinator, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?)",
           (sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[4]), int(sys.argv[4]) + 12 * 3600 * 1000))
db.commit()`,
    store,
    sha256(id),
    coordinator,
    String(now),
  ]);
  return {
    coordinator,
    csrf: sha256(`passerelle-csrf\0${id}`),
    signIn: async (context) => {
      await context.route(`${siteUrl}/**`, (route) => route.continue());
      const { hostname } = new URL(siteUrl);
      await context.addCookies([
        { name: SESSION_COOKIE, value: id, domain: hostname, path: '/', httpOnly: true, secure: true, sameSite: 'Strict' },
      ]);
    },
  };
}
