// The installable app: manifest and icons, a service worker that keeps the application shell and
// never mail, the offline page, and the offer to take on a new deployment.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SITE_ROOT, launchBrowser, markUnreadAgain, newContext, signIn, startWebmail, waitForHydration } from './harness.mjs';

const work = mkdtempSync(join(tmpdir(), 'mss-deploiement-'));
after(() => rmSync(work, { recursive: true, force: true }));

// opening a message marked it read: the files after this one count it as seeded
after(() => markUnreadAgain('claire.dubois@hopital-demo.mssante.fr', 'Adressage : M. Bernard PETIT'));

/** A second deployment of the same code: the server binary and the site copied, the WASM under a
 * new content name (as a rebuild with any change gives), told to the server by its hash.txt. */
function nextDeployment() {
  const bin = process.env.WEBMAIL_BIN;
  const dir = join(work, 'bin');
  cpSync(SITE_ROOT, join(work, 'site'), { recursive: true });
  cpSync(dirname(bin), dir, { recursive: true, filter: (f) => f === dirname(bin) || f === bin || f.endsWith('hash.txt') });
  const hashes = readFileSync(join(dir, 'hash.txt'), 'utf8');
  const old = hashes.match(/^wasm: (\S+)$/m)[1];
  const fresh = 'NouvelleVersion00000001';
  for (const file of readdirSync(join(work, 'site', 'pkg')).filter((f) => f.includes(`.${old}.wasm`))) {
    renameSync(join(work, 'site', 'pkg', file), join(work, 'site', 'pkg', file.replace(old, fresh)));
  }
  writeFileSync(join(dir, 'hash.txt'), hashes.replace(`wasm: ${old}`, `wasm: ${fresh}`));
  return { WEBMAIL_BIN: join(dir, 'server'), LEPTOS_SITE_ROOT: join(work, 'site') };
}

test('installable: offline the shell still loads, no mail is ever cached, and a new deployment is offered', async () => {
  const browser = await launchBrowser();
  // both deployments share their sessions, as two versions of one service do
  const sessions = { SESSION_DB: join(work, 'sessions.db') };
  let webmail = await startWebmail(8080, sessions);
  try {
    const context = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, webmail.url);
    const manifest = await (await context.request.get(`${webmail.url}${await page.locator('link[rel=manifest]').getAttribute('href')}`)).json();
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.lang, 'fr');
    for (const icon of manifest.icons) {
      const served = await context.request.get(`${webmail.url}${icon.src}`);
      assert.equal(served.status(), 200, icon.src);
      assert.equal(served.headers()['content-type'], icon.type, icon.src);
    }
    // the first visit installs the worker; from the next page on, it answers
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await waitForHydration(page);
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true);
    assert.equal(await page.locator('#nouvelle-version').isVisible(), false, 'a first installation is not an update');
    await page.getByRole('link', { name: /Adressage : M\. Bernard PETIT/ }).click();
    await page.getByTestId('objet').waitFor();

    // a new version is deployed: the page offers it, and takes it on when asked
    await webmail.stop();
    webmail = await startWebmail(8080, { ...sessions, ...nextDeployment() });
    await page.goto(webmail.url);
    const banner = page.locator('#nouvelle-version');
    await banner.waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await banner.innerText(), /nouvelle version de la messagerie est disponible/);
    await banner.getByRole('button', { name: 'Recharger' }).click();
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('NouvelleVersion00000001')));
    await page.getByTestId('messages').waitFor();

    // the network is gone: any page gives the offline page, styled from the cache
    await webmail.stop();
    webmail = null;
    await page.goto('http://127.0.0.1:8080/?dossier=Sent');
    await page.getByRole('heading', { name: 'Hors connexion' }).waitFor();
    assert.match(await page.locator('main').innerText(), /gardé dans cet onglet/);
    assert.equal(await page.getByRole('link', { name: 'Réessayer' }).evaluate((a) => getComputedStyle(a).backgroundColor), 'rgb(0, 0, 145)');

    // what the cache holds: the shell of the deployment in use, nothing that carries mail
    const kept = await page.evaluate(async () => {
      const entries = [];
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
          const body = await (await cache.match(request)).text();
          entries.push({ name, path: new URL(request.url).pathname, body: request.url.endsWith('.wasm') ? '' : body });
        }
      }
      return entries;
    });
    // the version is the main WASM's name, and the chunk loader's when the build is split
    const names = [...new Set(kept.map((e) => e.name))];
    assert.equal(names.length, 1, 'the old shell is gone');
    assert.match(names[0], /^coquille-NouvelleVersion00000001(-|$)/, 'the old shell is gone');
    assert.deepEqual(kept.map((e) => e.path.replace(/\.[A-Za-z0-9_-]{10,}\./, '.#.')).sort(), [
      '/favicon.svg', '/hors-connexion', '/manifest.webmanifest',
      '/pkg/__wasm_split.#.js', '/pkg/mssante-webmail.#.css', '/pkg/mssante-webmail.#.js', '/pkg/mssante-webmail.#.wasm', '/pwa.js',
    ]);
    for (const entry of kept) assert.doesNotMatch(entry.body, /Bernard PETIT|claire\.dubois|VIDAL/, entry.path);
    await context.close();
  } finally {
    await webmail?.stop();
    await browser.close();
  }
});
