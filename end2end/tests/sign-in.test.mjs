// Sign in through the PSC stand-in, read the seeded inbox, open a message, sign out.
// And every way a sign-in or a session can go wrong ends on a clear French message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CLAIRE, SITE_ROOT, launchBrowser, newContext, signIn, startWebmail, waitForHydration, watchProblems } from './harness.mjs';

let browser, webmail, expiring;
before(async () => {
  browser = await launchBrowser();
  webmail = await startWebmail(8080);
  // same webmail, registered at PSC as a client whose tokens live 5 s and cannot be renewed
  expiring = await startWebmail(8081, { PSC_CLIENT_ID: 'webmail-expiring' });
});
after(async () => {
  await browser?.close();
  await webmail?.stop();
  await expiring?.stop();
});

// cookies are not per port: leave out the PSC stand-in's own (_session, _session.sig…)
const webmailCookies = async (page) => (await page.context().cookies(webmail.url)).filter((c) => !c.name.startsWith('_'));

test('sign in with PSC, see the seeded inbox, open a message, sign out', async () => {
  const page = await (await newContext(browser)).newPage();
  const problems = watchProblems(page, webmail.url);
  await signIn(page, webmail.url);
  assert.equal(page.url(), `${webmail.url}/`);

  await assert.doesNotReject(page.getByTestId('utilisateur').getByText(CLAIRE.name).waitFor());
  assert.match(await page.locator('.utilisateur .details').innerText(), /RPPS 10100000017 · claire\.dubois@hopital-demo\.mssante\.fr/);
  const rows = page.getByTestId('messages').locator('li');
  assert.equal(await rows.count(), 6);
  // (other test files may have read some of these: count what the page says)
  const unread = Number((await page.locator('.compteur').innerText()).match(/^6 message\(s\), (\d) non lu\(s\)$/)[1]);
  assert.match(await rows.first().innerText(), /Dr Marc GARNIER[\s\S]*Adressage : M\. Bernard PETIT/);
  assert.equal(await page.locator('.message.non-lu').count(), unread);
  // the patient's message is marked in words (not colour alone), with name and INS instead of the address
  const fromPatient = rows.filter({ hasText: 'Question sur mon traitement' });
  assert.equal(await fromPatient.getByTestId('patient').innerText(), 'Patient · Mon espace santé');
  assert.match(await fromPatient.innerText(), /VIDAL Hélène · INS 2 85 07 75 112 345 11/);
  assert.ok(!(await fromPatient.innerText()).includes('@patient.mssante.fr'), 'the address is not what identifies the patient');
  assert.equal(await page.getByTestId('patient').count(), 1, 'professionals are not marked');
  // a document message: no XDM/1.0/DDM+ prefix; its documents as the archive's METADATA.XML
  // describes them (title, then type, date, patient, author)
  const documentRow = rows.filter({ has: page.getByTestId('documents-ligne') });
  assert.match(await documentRow.innerText(), /CR d'examens biologiques VIDAL Hélène 19850712/);
  const listed = await documentRow.getByTestId('documents-ligne').innerText();
  assert.match(listed, /CR d'examens biologiques\s+Compte rendu d'examens biologiques · \d\d\/\d\d\/\d{4} · VIDAL Hélène · Dr Antoine ROUX \(Laboratoire de biologie de démonstration\)/);
  assert.match(listed, /Lettre de liaison à la sortie\s+\d\d\/\d\d\/\d{4} · VIDAL Hélène · Dr Claire DUBOIS \(Centre hospitalier de démonstration\)/);
  assert.equal(await documentRow.getByTestId('document').count(), 2);
  assert.ok(!(await page.getByTestId('messages').innerText()).includes('XDM/1.0/DDM+'));
  await waitForHydration(page);

  // the access token never reaches the browser: only an opaque HttpOnly session cookie
  assert.deepEqual((await webmailCookies(page)).map((c) => [c.name, c.httpOnly, c.sameSite]), [['mss_session', true, 'Lax']]);
  assert.ok(!(await page.content()).includes('eyJ'), 'no JWT in the page');

  await page.getByRole('link', { name: /Question sur mon traitement/ }).click();
  await page.waitForURL(/\/messages\/\d+\?dossier=INBOX$/);
  await assert.doesNotReject(page.getByTestId('objet').getByText('Question sur mon traitement').waitFor());
  assert.match(await page.getByTestId('corps').innerText(), /des vertiges le matin/);
  assert.match(await page.locator('.entetes').innerText(), /VIDAL Hélène <285077511234511@patient\.mssante\.fr>/);
  assert.match(await page.locator('.entetes').innerText(), /Patient · Mon espace santé\s*VIDAL Hélène · INS 2 85 07 75 112 345 11/);

  await page.getByRole('link', { name: '← Retour à la liste' }).click();
  await page.waitForURL(`${webmail.url}/`);
  // opened, so now read
  await page.locator('.message.lu', { hasText: 'Question sur mon traitement' }).waitFor();

  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  // PSC asks to confirm the end of its own session, then sends the user back
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL(`${webmail.url}/`);
  await assert.doesNotReject(page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).waitFor());
  assert.deepEqual(await webmailCookies(page), []);
  assert.deepEqual(problems, [], 'no CSP violation or script error');
  await page.context().close();
});

test('an answer from PSC with a tampered state is refused with a French message', async () => {
  const page = await (await newContext(browser)).newPage();
  // Playwright routes no redirect: when the e-CPS form is posted, walk PSC's redirects here
  // (with the page's cookies) and hand the browser a callback whose state was altered
  await page.route('http://127.0.0.1:9090/interaction/*/login', async (route) => {
    let location = (await route.fetch({ maxRedirects: 0 })).headers().location;
    while (location && !location.includes('/auth/callback?')) {
      const next = new URL(location, 'http://127.0.0.1:9090').toString();
      location = (await page.context().request.get(next, { maxRedirects: 0 })).headers().location;
    }
    const url = new URL(location);
    assert.ok(url.searchParams.get('code') && url.searchParams.get('state'));
    url.searchParams.set('state', 'etat-falsifie');
    return route.fulfill({ status: 303, headers: { location: url.toString() } });
  });
  await signIn(page, webmail.url);
  assert.match(page.url(), /\/\?erreur=reponse-invalide$/);
  assert.match(await page.getByRole('alert').innerText(), /ne correspond pas à votre demande de connexion/);
  // and nobody is signed in
  await page.goto(webmail.url);
  await assert.doesNotReject(page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).waitFor());
  await page.context().close();
});

test('a callback nobody asked for (no pending sign-in) is refused', async () => {
  const page = await (await newContext(browser)).newPage();
  await page.goto(`${webmail.url}/auth/callback?code=volé&state=quelconque`);
  assert.match(await page.getByRole('alert').innerText(), /la connexion a été refusée/);
  await page.context().close();
});

test('an expired token that cannot be renewed ends the session with a French message', async () => {
  const page = await (await newContext(browser)).newPage();
  await signIn(page, expiring.url);
  assert.equal(await page.getByTestId('messages').locator('li').count(), 6);
  await page.waitForTimeout(6500);
  await page.reload();
  assert.match(await page.getByRole('alert').innerText(), /Votre session Pro Santé Connect a expiré\. Reconnectez-vous/);
  await page.getByRole('link', { name: 'Se reconnecter avec Pro Santé Connect' }).waitFor();
  // the tokens are gone: any page says so until the user signs in again
  await page.goto(expiring.url);
  assert.match(await page.getByRole('alert').innerText(), /Votre session Pro Santé Connect a expiré/);
  // still signed in at PSC (single sign-on): reconnecting needs no new e-CPS validation
  await page.getByRole('link', { name: 'Se reconnecter avec Pro Santé Connect' }).click();
  await page.waitForURL(`${expiring.url}/`);
  assert.equal(await page.getByTestId('messages').locator('li').count(), 6);
  await page.context().close();
});

test('pages carry a strict nonce-based CSP and no inline script runs without it; the sign-in page loads no application code', async () => {
  // the sign-in page works as plain HTML: the application's code is not even announced
  const signInPage = await (await fetch(webmail.url)).text();
  assert.match(signInPage, /Se connecter avec Pro Santé Connect/);
  assert.doesNotMatch(signInPage, /\.wasm|modulepreload|\/pkg\/[^"]*\.js/);

  const page = await (await newContext(browser)).newPage();
  await signIn(page, webmail.url);
  const response = await page.context().request.get(webmail.url);
  const csp = response.headers()['content-security-policy'];
  const nonce = csp.match(/'nonce-([^']+)'/)[1];
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const html = await response.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  assert.ok(scripts.length > 0);
  for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), tag);
  // a fresh nonce per response
  const again = (await page.context().request.get(webmail.url)).headers()['content-security-policy'];
  assert.notEqual(again, csp);
  await page.context().close();
});

test('every page served carries the CSP of its own nonce, one after the other and many at once', async () => {
  // the header once went missing from about one page in sixty (set through Leptos' response
  // options), and pages whose title follows the query failed when many were asked at once
  const page = await (await newContext(browser)).newPage();
  await signIn(page, webmail.url);
  const request = page.context().request;
  const check = async (path) => {
    const response = await request.get(webmail.url + path);
    assert.equal(response.status(), 200, path);
    const nonce = (response.headers()['content-security-policy'] || '').match(/'nonce-([^']+)'/)?.[1];
    assert.ok(nonce, `${path}: the page's CSP (${response.headers()['content-security-policy']})`);
    const html = await response.text();
    for (const [tag] of html.matchAll(/<script\b[^>]*>/g)) assert.ok(tag.includes(`nonce="${nonce}"`), `${path}: ${tag}`);
  };
  for (const path of ['/', '/ecrire', '/boites/traces']) {
    for (let i = 0; i < 40; i++) await check(path);
    await Promise.all(Array.from({ length: 20 }, () => check(path)));
  }
  await page.context().close();
});

test('the build\'s files are named by their content, served as compressed at build time and kept a year; pages are never kept', async () => {
  const page = await (await newContext(browser)).newPage();
  await signIn(page, webmail.url);
  const response = await page.context().request.get(webmail.url);
  assert.equal(response.headers()['cache-control'], 'no-store', 'a page carries mail');
  const html = await response.text();
  const files = [...new Set([...html.matchAll(/\/pkg\/([^"?]+)/g)].map((m) => m[1]))].sort();
  // the on-demand pages' stylesheet is only named (a <meta>), fetched by those pages alone
  assert.deepEqual(files.map((f) => f.replace(/\.[A-Za-z0-9_-]{10,}\./, '.#.')).sort(), ['mssante-webmail-pages.#.css', 'mssante-webmail.#.css', 'mssante-webmail.#.js', 'mssante-webmail.#.wasm']);
  for (const file of files) {
    for (const encoding of ['br', 'gzip']) {
      const served = await fetch(`${webmail.url}/pkg/${file}`, { headers: { 'accept-encoding': encoding } });
      assert.equal(served.status, 200, file);
      assert.equal(served.headers.get('content-encoding'), encoding, file);
      assert.equal(served.headers.get('cache-control'), 'public, max-age=31536000, immutable', file);
      const compressed = statSync(join(SITE_ROOT, 'pkg', `${file}.${encoding === 'br' ? 'br' : 'gz'}`)).size;
      assert.equal(Number(served.headers.get('content-length')), compressed, `${file}: the file made by the build, as it is`);
      await served.arrayBuffer();
    }
  }
  // the page as served is painted first: the application's code is not preloaded, and is
  // fetched once the browser has shown what the server wrote
  assert.doesNotMatch(html, /rel="preload"[^>]*\.wasm/);
  await page.goto(webmail.url);
  await waitForHydration(page);
  const [painted, fetched] = await page.evaluate(() => [
    performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
    performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'))?.startTime,
  ]);
  assert.ok(painted > 0 && fetched > painted, `first paint at ${painted} ms, code fetched at ${fetched} ms`);
  // a name that is not the build's is not kept
  const missing = await fetch(`${webmail.url}/pkg/mssante-webmail.0000000000000.wasm`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('cache-control'), 'no-store');
  await page.context().close();
});

test('public files are revalidated with a 304; document-only headers go on what may be shown as a page', async () => {
  const first = await fetch(`${webmail.url}/pwa.js`, { headers: { 'accept-encoding': 'br' } });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('cache-control'), 'no-cache');
  const since = first.headers.get('last-modified');
  assert.ok(since, 'a public file says when it changed');
  await first.arrayBuffer();
  const again = await fetch(`${webmail.url}/pwa.js`, { headers: { 'accept-encoding': 'br', 'if-modified-since': since } });
  assert.equal(again.status, 304, 'unchanged: not sent again');
  assert.equal((await again.arrayBuffer()).byteLength, 0);
  // a 304 leaves the stored headers as they are: no policy of its own that would replace them
  const icon = await fetch(`${webmail.url}/favicon.svg`);
  await icon.arrayBuffer();
  const iconAgain = await fetch(`${webmail.url}/favicon.svg`, { headers: { 'if-modified-since': icon.headers.get('last-modified') } });
  assert.equal(iconAgain.status, 304);
  for (const name of ['cache-control', 'content-security-policy', 'x-frame-options', 'permissions-policy']) assert.equal(iconAgain.headers.get(name), null, `304: ${name}`);
  assert.equal(iconAgain.headers.get('x-content-type-options'), 'nosniff');

  // the service worker lists the build's files
  const wasm = (await (await fetch(`${webmail.url}/sw.js`)).text()).match(/\/pkg\/[^"]+\.wasm/)[0];
  const documentOnly = ['x-frame-options', 'referrer-policy', 'cross-origin-opener-policy', 'permissions-policy'];
  for (const path of [wasm, '/pwa.js', '/manifest.webmanifest']) {
    const asset = await fetch(`${webmail.url}${path}`);
    assert.equal(asset.status, 200, path);
    assert.equal(asset.headers.get('x-content-type-options'), 'nosniff', path);
    for (const name of [...documentOnly, 'content-security-policy']) assert.equal(asset.headers.get(name), null, `${path}: ${name}`);
    if (path === wasm) for (const name of ['last-modified', 'accept-ranges']) assert.equal(asset.headers.get(name), null, `kept a year: ${name}`);
    await asset.arrayBuffer();
  }
  // pages, an SVG (it can run script when opened) and unknown pages keep every header
  for (const path of ['/', '/favicon.svg', '/page-inconnue']) {
    const shown = await fetch(`${webmail.url}${path}`, { redirect: 'manual' });
    for (const name of [...documentOnly, 'content-security-policy', 'x-content-type-options']) assert.ok(shown.headers.get(name), `${path}: ${name}`);
    await shown.arrayBuffer();
  }
  // a redirect keeps what acts on the next request and the opener, not what only a shown page uses
  const redirect = await fetch(`${webmail.url}/auth/login`, { redirect: 'manual' });
  assert.equal(redirect.status, 303);
  assert.equal(redirect.headers.get('referrer-policy'), 'same-origin');
  assert.equal(redirect.headers.get('cross-origin-opener-policy'), 'same-origin');
  for (const name of ['content-security-policy', 'x-frame-options', 'permissions-policy']) assert.equal(redirect.headers.get(name), null, `redirect: ${name}`);
  assert.match((await fetch(`${webmail.url}/sw.js`)).headers.get('content-security-policy'), /connect-src 'self'/, 'the worker keeps its own policy');
});
