// Shared set-up for the browser tests: Debian's Chromium driven by playwright-core, and webmail
// server processes (the release build) pointed at the running test operator.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { before, after } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
/** Where the build put the static files the webmail serves. */
export const SITE_ROOT = process.env.LEPTOS_SITE_ROOT || join(ROOT, 'target/site');
export const CLAIRE = { rpps: '10100000017', name: 'Claire DUBOIS', mailbox: 'claire.dubois@hopital-demo.mssante.fr' };

/** Chromium; each `newContext()` is a fresh profile (cookies of its own, as a new browser would have). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export const newContext = (browser, options = {}) => browser.newContext({ locale: 'fr-FR', ...options });

/** Start a webmail server on `port`; resolves once it answers. */
export async function startWebmail(port, env = {}) {
  // a server left behind (a killed run) would answer in this one's place, with other settings
  const taken = await fetch(`http://127.0.0.1:${port}`).then(() => true, () => false);
  if (taken) throw new Error(`port ${port} is already held by another process: stop it first (ss -ltnp | grep ${port})`);
  const dataDir = mkdtempSync(join(tmpdir(), 'mss-webmail-'));
  const bin = env.WEBMAIL_BIN || process.env.WEBMAIL_BIN || join(ROOT, 'target/release/server');
  const child = spawn(bin, [], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      LEPTOS_OUTPUT_NAME: 'mssante-webmail',
      LEPTOS_SITE_ROOT: SITE_ROOT,
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_ENV: 'PROD',
      WEBMAIL_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PSC_CLIENT_SECRET: 'webmail-secret',
      SESSION_DB: join(dataDir, 'sessions.db'),
      // WEBMAIL_LOG=info to see each sign-in and IMAP exchange when a test needs looking into
      RUST_LOG: process.env.WEBMAIL_LOG || 'warn',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`webmail exited with ${child.exitCode}`);
    try { await fetch(url); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** For a test file: Chromium and a webmail on `port`, started before its tests and stopped after;
 * read them as `run.browser` and `run.webmail` inside the tests. */
export function browserAndWebmail(port, env = {}) {
  const run = {};
  before(async () => {
    run.browser = await launchBrowser();
    run.webmail = await startWebmail(port, env);
  });
  after(async () => {
    await run.browser?.close();
    await run.webmail?.stop();
  });
  return run;
}

/** Collects the webmail's CSP violations and script errors, so a test can assert there were none
 * (the PSC stand-in's own pages, e.g. its missing favicon, are not the webmail's business). */
export function watchProblems(page, webmailUrl) {
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && (m.location().url || page.url()).startsWith(webmailUrl)) problems.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return problems;
}

/** From the webmail's sign-in page, through the PSC stand-in's e-CPS form, back to the webmail. */
export async function signIn(page, webmailUrl, rpps = CLAIRE.rpps) {
  await page.goto(webmailUrl);
  await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
  await page.getByLabel('Identifiant RPPS').fill(rpps);
  await page.getByRole('button', { name: /Valider/ }).click();
  await page.waitForURL((url) => url.href.startsWith(webmailUrl) && !url.pathname.startsWith('/auth/'));
}

/** Wait until the WASM bundle has hydrated the page (links are then handled client-side). */
export async function waitForHydration(page) {
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm') && e.responseEnd > 0));
  await page.waitForLoadState('networkidle');
}

/** Leave messages of `mailbox`'s INBOX unread again, as seeded (the test files that follow count
 * them); `subjects` are matched as doveadm does (substring). */
export function markUnreadAgain(mailbox, ...subjects) {
  const state = process.env.OPERATOR_STATE || '/var/tmp/mssante-operator';
  for (const subject of subjects) {
    execFileSync('doveadm', ['-c', `${state}/etc/dovecot/dovecot.conf`, 'flags', 'remove', '-u', mailbox, '\\Seen', 'mailbox', 'INBOX', 'subject', subject], { stdio: 'ignore' });
  }
}
