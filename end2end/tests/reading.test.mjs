// Reading mail: folders, search, selection actions, paging, the sanitised HTML frame, attachments
// and IHE XDM documents, and the phone layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { browserAndWebmail, markUnreadAgain, newContext, signIn, waitForHydration, watchProblems } from './harness.mjs';

// each request gets no search time (one window of 500 messages): a long search is seen resuming
const run = browserAndWebmail(8080, { IMAP_SEARCH_BUDGET_MS: '0' });

async function signedInPage(rpps = '10100000017', options = {}) {
  const page = await (await newContext(run.browser, options)).newPage();
  await signIn(page, run.webmail.url, rpps);
  return page;
}
const rows = (page) => page.getByTestId('messages').locator('li');

test('the HTML mail is shown sanitised in a sandboxed frame, remote images blocked until allowed', async () => {
  const page = await signedInPage();
  const problems = watchProblems(page, run.webmail.url);
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });
  await page.getByRole('link', { name: /bisoprolol/ }).click();
  const frame = page.getByTestId('corps-html');
  await frame.waitFor();
  assert.equal(await frame.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
  const body = page.frameLocator('[data-testid=corps-html]').locator('body');
  assert.match(await body.innerText(), /Nébivolol 5 mg/);
  assert.equal(await page.frameLocator('[data-testid=corps-html]').locator('table').count(), 1);
  assert.equal(await page.frameLocator('[data-testid=corps-html]').locator('script').count(), 0);
  assert.match(await page.getByTestId('images-bloquees').innerText(), /1 image\(s\) distante\(s\) bloquée\(s\)/);
  assert.equal(await page.frameLocator('[data-testid=corps-html]').locator('img[src^="https:"]').count(), 0);
  await page.getByRole('button', { name: 'Afficher les images' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=corps-html]').src.includes('images=1'));
  await page.frameLocator('[data-testid=corps-html]').locator('img[src^="https://pharmacie.example.invalid/"]').waitFor({ state: 'attached' });
  assert.equal(dialogs, 0, 'the mail\'s script never ran');
  assert.deepEqual(problems.filter((p) => !p.includes('pharmacie.example.invalid')), []);
  await page.context().close();
});

test('attachments download, and an IHE_XDM.zip shows its documents', async () => {
  const page = await signedInPage();
  const problems = watchProblems(page, run.webmail.url);
  await page.getByRole('link', { name: /CR d'examens biologiques VIDAL Hélène/ }).click();
  const pdfHref = new URL(await page.getByRole('link', { name: 'CR_biologie_VIDAL.pdf' }).getAttribute('href'), run.webmail.url).toString();
  const response = await page.context().request.get(pdfHref);
  assert.equal(response.headers()['content-type'], 'application/octet-stream');
  assert.match(response.headers()['content-disposition'], /^attachment; filename="CR_biologie_VIDAL\.pdf"/);
  assert.equal((await response.body()).subarray(0, 5).toString(), '%PDF-');
  const xdm = page.getByTestId('xdm');
  assert.match(await xdm.innerText(), /CR d'examens biologiques \(télécharger\) — Compte rendu d'examens biologiques · VIDAL Hélène · \d\d\/\d\d\/\d{4} · Dr Antoine ROUX \(Laboratoire de biologie de démonstration\) · text\/xml/);
  assert.match(await xdm.innerText(), /Lettre de liaison à la sortie \(télécharger\) — VIDAL Hélène/);
  const cda = await page.context().request.get(new URL(await xdm.getByRole('link', { name: '(télécharger)' }).first().getAttribute('href'), run.webmail.url).toString());
  assert.match(await cda.text(), /<ClinicalDocument/);

  // the level-3 letter, readable in the webmail: its header, then its narrative
  await xdm.getByRole('link', { name: 'Lettre de liaison à la sortie' }).click();
  const shown = page.getByTestId('document-sante');
  await shown.waitFor();
  assert.equal(await shown.locator('h1').innerText(), 'Lettre de liaison — hospitalisation de cardiologie');
  const header = await page.getByTestId('entete-document').innerText();
  assert.match(header, /Patient\s+Hélène VIDAL · né\(e\) le 12\/07\/1985 · INS 2 85 07 75 112 345 11/);
  assert.match(header, /Auteur\s+Dr Claire DUBOIS, Centre hospitalier de démonstration — cardiologie/);
  assert.deepEqual(await shown.locator('h2').allInnerTexts(), ["Motif d'hospitalisation", 'Traitement de sortie', 'Résultats biologiques', 'Suivi']);
  assert.equal(await shown.locator('ol li').count(), 2);
  assert.deepEqual(await shown.locator('table tbody tr').first().locator('td').allInnerTexts(), ['NT-proBNP', '84 pg/mL', '< 125']);
  assert.equal(await shown.locator('strong').first().innerText(), 'NYHA II');
  assert.equal(await page.getByTestId('ouvrir-pdf').count(), 0, 'a level 3 without PDF');
  // the level-1 report: its PDF first
  await page.getByRole('link', { name: '← Retour au message' }).click();
  await page.getByTestId('xdm').getByRole('link', { name: "CR d'examens biologiques" }).click();
  const open = page.getByTestId('ouvrir-pdf');
  await open.waitFor();
  const pdfVersion = await page.context().request.get(new URL(await open.getAttribute('href'), run.webmail.url).toString());
  assert.equal(pdfVersion.headers()['content-type'], 'application/pdf');
  assert.equal((await pdfVersion.body()).subarray(0, 5).toString(), '%PDF-');
  assert.deepEqual(problems, []);
  // without the session cookie, nothing is served
  const anonymous = await fetch(pdfHref);
  assert.equal(anonymous.status, 401);
  await page.context().close();
});

test('search runs on the server, and selected messages are marked read', async () => {
  const page = await signedInPage();
  await page.getByPlaceholder('Rechercher dans les messages').fill('vertiges');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.waitForURL(/texte=vertiges/);
  await page.getByText('Résultats de la recherche').waitFor();
  assert.equal(await rows(page).count(), 1);
  assert.match(await rows(page).first().innerText(), /Question sur mon traitement/);
  await page.getByRole('link', { name: 'Effacer la recherche' }).click();
  await page.waitForURL(`${run.webmail.url}/`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=messages] li').length === 6);

  const unread = async () => Number((await page.locator('.compteur').innerText()).match(/(\d+) non lu/)[1]);
  const before = await unread();
  assert.ok(before >= 2);
  const boxes = page.locator('.message.non-lu .choix');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  // the two ticked, downloaded as a ZIP of .eml (the selection stays)
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Exporter', exact: true }).click()]);
  assert.equal(download.suggestedFilename(), 'INBOX-selection.zip');
  const zip = await readFile(await download.path());
  assert.equal(zip.toString('latin1').split('PK\x01\x02').length - 1, 2, 'two files in its directory');
  await page.getByRole('button', { name: 'Marquer lu' }).click();
  await page.waitForFunction((n) => document.querySelector('.compteur').innerText.includes(`${n} non lu`), before - 2);
  await page.context().close();
});

test('what came back about sent messages: receipts in Sent, Mon Espace Santé bounces explained', async () => {
  const page = await signedInPage('10100000025'); // Julien MOREAU, whose Sent and INBOX the seed fills with both sides
  const problems = watchProblems(page, run.webmail.url);
  await page.getByRole('navigation', { name: 'Dossiers' }).getByRole('link', { name: /^Envoyés/ }).click();
  await page.waitForURL(/dossier=Sent/);
  const row = (subject) => rows(page).filter({ hasText: subject });
  assert.match(await row('Avis sur M. Bernard PETIT').getByTestId('accuses').innerText(), /^Lu par marc\.garnier@cabinet-demo\.mssante\.fr le \d\d\/\d\d\/\d{4} à \d\d:\d\d$/);
  assert.match(await row('Votre bilan de sortie').getByTestId('accuses').innerText(), /^Remis à patient INS 2 85 07 75 112 345 11 le /);
  assert.equal(await row('Rappel : rendez-vous de contrôle').getByTestId('accuses').innerText(), 'Échec de remise à patient INS 1 85 05 2A 123 456 44');

  await page.getByRole('navigation', { name: 'Dossiers' }).getByRole('link', { name: /^Boîte de réception/ }).first().click();
  await page.waitForURL(`${run.webmail.url}/`);
  await rows(page).filter({ hasText: 'Undelivered Mail Returned to Sender' }).first().getByRole('link').click();
  const report = page.getByTestId('rapport');
  await report.waitFor();
  assert.match(await report.innerText(), /^Message non remis au patient d'INS [\d A-B]+ \(Mon espace santé\) : .+\.\s+Voir le message envoyé$/);
  await report.getByRole('link', { name: 'Voir le message envoyé' }).click();
  await page.waitForURL(/\/messages\/\d+\?dossier=Sent$/);
  // the report stays on the screen until the sent message has come (a transition): wait for the
  // sent message's own line rather than read the headers still shown
  const followUp = page.getByTestId('accuses');
  await followUp.waitFor();
  assert.match(await followUp.innerText(), /^Suivi : Échec de remise à patient INS/);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('the organisational mailbox is in the folder list', async () => {
  const page = await signedInPage();
  const nav = page.getByRole('navigation', { name: 'Dossiers' });
  assert.match(await nav.innerText(), /Boîte de réception[\s\S]*Envoyés[\s\S]*Corbeille/);
  await nav.getByRole('link', { name: /secretariat-cardio@hopital-demo\.mssante\.fr › Boîte de réception/ }).click();
  await page.waitForURL(/dossier=Shared%2Fsecretariat/);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=messages] li').length === 3);
  assert.match(await rows(page).first().innerText(), /Demande de rendez-vous/);
  await page.context().close();
});

test('a 1 000-message inbox is paged', async () => {
  const page = await signedInPage('10100000058');
  assert.equal(await rows(page).count(), 50);
  assert.match(await page.locator('.pagination').innerText(), /Page 1 sur 20/);
  await page.getByRole('link', { name: 'Plus anciens →' }).click();
  await page.waitForURL(/page=1$/);
  await page.locator('.pagination').getByText('Page 2 sur 20').waitFor();
  assert.match(await rows(page).first().innerText(), /n° 950/);
  await page.context().close();
});

test('a search running out of time shows how far it went, then goes on by itself', async () => {
  const state = process.env.OPERATOR_STATE || '/var/tmp/mssante-operator';
  const matching = execFileSync('doveadm', ['-c', `${state}/etc/dovecot/dovecot.conf`, 'search', '-u', 'bench@hopital-demo.mssante.fr',
    'mailbox', 'INBOX', 'from', '.42@'], { encoding: 'utf8' }).trim().split('\n').length;
  const page = await signedInPage('10100000058');
  const response = await page.goto(`${run.webmail.url}/?de=.42%40`);
  // the page as served: the first 500 messages searched, what they hold, and a way on
  const served = await response.text();
  assert.match(served, /Recherche en cours : 500 messages parcourus sur 1\u202f000…/);
  assert.match(served, /Continuer la recherche/);
  assert.match(served, /<input name="de" value="\.42@"/, 'the search criteria are in the page as served, before it is interactive');
  // hydrated, it asks again and the server resumes where it stopped, until the whole folder is searched
  await page.locator('.compteur').getByText(`${matching} message(s)`).waitFor();
  assert.equal(await page.getByTestId('recherche-en-cours').count(), 0);
  assert.equal(await rows(page).count(), matching);
  await page.context().close();
});

test('at phone width nothing overflows sideways', async () => {
  const page = await signedInPage('10100000017', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  for (const path of ['/', '/?dossier=INBOX&texte=PETIT']) {
    await page.goto(run.webmail.url + path);
    await rows(page).first().waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), path);
  }
  await page.getByRole('link', { name: /Adressage/ }).click();
  await page.getByTestId('objet').waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await page.context().close();
});

test('new mail is pushed to the open page, without reloading it', async () => {
  const page = await signedInPage('10100000025'); // Julien
  await waitForHydration(page);
  await page.evaluate(() => { window.sameDocument = true; });
  const before = await rows(page).count();
  await page.waitForTimeout(1500); // the push stream (/evenements) opens after hydration
  const state = process.env.OPERATOR_STATE || '/var/tmp/mssante-operator';
  const subject = `Résultat urgent ${Date.now()}`;
  execFileSync('doveadm', ['-c', `${state}/etc/dovecot/dovecot.conf`, 'save', '-u', 'julien.moreau@hopital-demo.mssante.fr', '-m', 'INBOX'], {
    input: `From: Laboratoire <biologie@hopital-demo.mssante.fr>\r\nTo: julien.moreau@hopital-demo.mssante.fr\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nKaliémie à 6,1 mmol/L.\r\n`,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  await page.getByText(subject).waitFor({ timeout: 15000 });
  assert.equal(await rows(page).count(), before + 1);
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'no reload');
  await page.context().close();
});

test('moving between pages keeps the frame: opening a message asks only for it, then the unread counts once it is marked read', async () => {
  markUnreadAgain('claire.dubois@hopital-demo.mssante.fr', 'Adressage : M. Bernard PETIT');
  const page = await signedInPage();
  await waitForHydration(page);
  const calls = [];
  page.on('request', (r) => { if (r.url().includes('/api/')) calls.push(new URL(r.url()).pathname); });
  page.on('requestfinished', (r) => { if (r.url().includes('/api/')) calls.push(`fin ${new URL(r.url()).pathname}`); });
  await page.getByRole('link', { name: /Adressage : M\. Bernard PETIT/ }).click();
  await page.getByTestId('corps').waitFor();
  // first the message alone: who is signed in is never asked again, the folders not on the way
  // (asked with the message, their counts could not know it was read)
  assert.equal(calls[0], '/api/message', calls.join(' '));
  assert.ok(!calls.includes('/api/moi'), calls.join(' '));
  const dossiers = () => calls.indexOf('/api/dossiers');
  assert.ok(dossiers() === -1 || dossiers() > calls.indexOf('fin /api/message'), calls.join(' '));
  // once on the screen it is marked read (an action), and then the counts are asked again
  for (let waited = 0; dossiers() === -1 && waited < 10_000; waited += 100) await page.waitForTimeout(100);
  assert.ok(dossiers() > calls.indexOf('fin /api/message'), calls.join(' '));
  // the header and the folders were not rebuilt: still there, still the same user
  assert.match(await page.getByTestId('utilisateur').innerText(), /Claire DUBOIS/);
  await page.context().close();
  // the files after this one count Claire's unread messages: Marc's is unread, as seeded
  markUnreadAgain('claire.dubois@hopital-demo.mssante.fr', 'Adressage : M. Bernard PETIT');
  // outside the frame: an unknown page is a 404, and a signed-out visitor of a page gets the sign-in
  assert.equal((await fetch(`${run.webmail.url}/nimporte`)).status, 404);
  assert.match(await (await fetch(`${run.webmail.url}/annuaire`)).text(), /Se connecter avec Pro Santé Connect/);
});
