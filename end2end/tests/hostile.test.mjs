// Hostile mail rendered in Chromium through the real message view: every vector of
// xss-vectors.mjs in one HTML message, markup in a plain-text one. Nothing may run (dialogs,
// page errors) and no request may leave the webmail; the sanitised body keeps no handler,
// script or foreign URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { browserAndWebmail, newContext, signIn, waitForHydration } from './harness.mjs';
import { HTML_VECTORS, TEXT_VECTORS } from './xss-vectors.mjs';

const run = browserAndWebmail(8080);
const SOPHIE = { rpps: '10100000033', mailbox: 'sophie.lambert@hopital-demo.mssante.fr' };
const state = process.env.OPERATOR_STATE || '/var/tmp/mssante-operator';

function deliver(subject, contentType, body) {
  execFileSync('doveadm', ['-c', `${state}/etc/dovecot/dovecot.conf`, 'save', '-u', SOPHIE.mailbox, '-m', 'INBOX'], {
    input: `From: Expediteur piege <piege@hopital-demo.mssante.fr>\r\nTo: ${SOPHIE.mailbox}\r\nSubject: ${subject}\r\n`
      + `MIME-Version: 1.0\r\nContent-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n`,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
}

/** Open the message with `subject` as Sophie, counting what the attacker would want. */
async function openCounting(subject) {
  const page = await (await newContext(run.browser)).newPage();
  const seen = { dialogs: [], errors: [], requests: [] };
  page.on('dialog', (d) => { seen.dialogs.push(d.message()); d.dismiss(); });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(run.webmail.url) && !url.startsWith('data:') && !url.startsWith('about:') && !url.startsWith('http://127.0.0.1:9090')) {
      seen.requests.push(url);
    }
  });
  await signIn(page, run.webmail.url, SOPHIE.rpps);
  await waitForHydration(page);
  await page.getByRole('link', { name: subject }).click();
  await page.getByTestId('objet').getByText(subject).waitFor();
  return { page, seen };
}

test(`${HTML_VECTORS.length} hostile HTML vectors: nothing runs, nothing leaves the webmail`, async () => {
  const subject = `Vecteurs HTML ${Date.now()}`;
  const html = HTML_VECTORS.map(([, vector], i) => `<div>${i + 1}. ${vector}</div>`).join('\n');
  deliver(subject, 'text/html', `<html><body><p>Compte rendu</p>\n${html}\n<p>Fin du compte rendu</p></body></html>`);
  const { page, seen } = await openCounting(subject);
  const frame = page.frameLocator('[data-testid=corps-html]');
  await frame.getByText('Fin du compte rendu').waitFor();
  // give timers, focus and media events their chance (focus moves through the page and the frame)
  for (let i = 0; i < 10; i++) await page.keyboard.press('Tab');
  await page.waitForTimeout(1500);

  const src = await page.getByTestId('corps-html').getAttribute('src');
  const document = await (await page.context().request.get(new URL(src, run.webmail.url).toString())).text();
  const served = document.slice(document.indexOf('<body>')); // the webmail's own head aside
  for (const forbidden of [/<script/i, /\son[a-z]+\s*=/i, /javascript:/i, /vbscript:/i, /evil\.example/i, /expression\(/i, /<base/i, /<meta/i, /<iframe/i, /<object/i, /<embed/i, /<form/i, /<svg/i, /\/auth\/logout/]) {
    assert.doesNotMatch(served, forbidden, `sanitised body keeps ${forbidden}`);
  }
  assert.match(served, /Compte rendu/);
  assert.deepEqual(seen.dialogs, [], 'a dialog opened');
  assert.deepEqual(seen.errors, [], 'a script error');
  assert.deepEqual(seen.requests, [], 'a request left the webmail');
  assert.match(await page.getByTestId('images-bloquees').innerText(), /image\(s\) distante\(s\) bloquée\(s\)/);
  await page.context().close();
});

test('markup in a plain-text message stays text', async () => {
  const subject = `Vecteurs texte ${Date.now()}`;
  deliver(subject, 'text/plain', TEXT_VECTORS.join('\r\n'));
  const { page, seen } = await openCounting(subject);
  const body = await page.getByTestId('corps').innerText();
  for (const vector of TEXT_VECTORS) {
    assert.ok(body.includes(vector), `shown as typed: ${vector}`);
  }
  assert.equal(await page.getByTestId('corps').locator('script, img, svg, a[href^="javascript"]').count(), 0);
  await page.waitForTimeout(500);
  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(seen.requests, []);
  await page.context().close();
});
