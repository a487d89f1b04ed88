// The Annuaire santé in Chromium, on the test operator's extraction (demo people and 50 000
// fictitious mailboxes): suggestions while typing a recipient, the /annuaire page on a phone,
// and who a message's correspondents are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { browserAndWebmail, markUnreadAgain, newContext, signIn, waitForHydration, watchProblems } from './harness.mjs';

const SOPHIE = '10100000033';
const CLAIRE_MAILBOX = 'claire.dubois@hopital-demo.mssante.fr';
const TEAM = 'secretariat-cardio@hopital-demo.mssante.fr';
const MARC = 'marc.garnier@cabinet-demo.mssante.fr';
const state = process.env.OPERATOR_STATE || '/var/tmp/mssante-operator';
const doveadm = (...args) => execFileSync('doveadm', ['-c', `${state}/etc/dovecot/dovecot.conf`, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
const find = (user, subject) => doveadm('search', '-u', user, 'mailbox', 'INBOX', 'subject', subject).split('\n').filter(Boolean);

const run = browserAndWebmail(8081);

test('typing part of a name suggests the directory; picking one adds an accepted chip, and the message goes there', async () => {
  const page = await (await newContext(run.browser)).newPage();
  const problems = watchProblems(page, run.webmail.url);
  await signIn(page, run.webmail.url, SOPHIE);
  await page.getByRole('link', { name: 'Écrire' }).click();
  const to = page.getByLabel('À', { exact: true });
  await to.waitFor();
  await waitForHydration(page);

  // keyboard: a team's mailbox, ↓ then Entrée
  await to.pressSequentially('secretariat cardio demo', { delay: 20 });
  const suggestions = page.getByTestId('suggestions').first();
  const first = suggestions.getByRole('option').first();
  await first.waitFor();
  assert.match(await first.innerText(), /Secrétariat de cardiologie[\s\S]*BAL organisationnelle[\s\S]*CH DE DEMONSTRATION/);
  assert.equal(await to.getAttribute('aria-expanded'), 'true');
  await to.press('ArrowDown');
  assert.equal(await first.getAttribute('aria-selected'), 'true');
  await to.press('Enter');
  const team = page.getByTestId('puce').filter({ hasText: TEAM });
  await team.waitFor();

  // Échap closes the list without adding anything
  await to.pressSequentially('lefevre', { delay: 20 });
  await suggestions.getByRole('option').first().waitFor();
  for (const option of await suggestions.getByRole('option').all()) assert.match(await option.innerText(), /LEFÈVRE/);
  await to.press('Escape');
  await suggestions.waitFor({ state: 'hidden' });
  await to.fill('');

  // « dub card »: a prefix of two words (name and specialty), accents and case ignored; picked by a tap
  await to.pressSequentially('dub card', { delay: 20 });
  const claire = suggestions.getByRole('option').filter({ hasText: CLAIRE_MAILBOX });
  await claire.waitFor();
  assert.match(await claire.innerText(), /Dr Claire DUBOIS[\s\S]*Médecin · Cardiologie et maladies vasculaires — CH DE DEMONSTRATION/);
  await claire.click();
  const chip = page.getByTestId('puce').filter({ hasText: CLAIRE_MAILBOX });
  await chip.waitFor();
  assert.equal(await to.inputValue(), '', 'the half-typed name did not become a chip');
  assert.equal(await page.getByTestId('puce').count(), 2);
  assert.equal(await page.locator('.puce.refusee').count(), 0, 'both are in the trust space');

  // a blind copy, found by RPPS number in Cci
  const bcc = page.getByLabel('Cci', { exact: true });
  await bcc.pressSequentially('10100000041', { delay: 20 });
  const marc = page.getByTestId('suggestions').nth(2).getByRole('option').filter({ hasText: MARC });
  await marc.waitFor();
  await bcc.press('ArrowDown');
  await bcc.press('Enter');
  await page.getByTestId('puce').filter({ hasText: MARC }).waitFor();

  const subject = `Annuaire ${Date.now()}`;
  await page.getByLabel('Objet').fill(subject);
  await page.getByLabel('Message', { exact: true }).fill('Bonjour, trouvé dans l\'annuaire.');
  await page.getByRole('button', { name: 'Envoyer' }).click();
  await page.waitForURL(/envoye=/);
  const end = Date.now() + 15000;
  while (find(CLAIRE_MAILBOX, subject).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  assert.equal(find(CLAIRE_MAILBOX, subject).length, 1, 'delivered to the address picked');
  while (find(TEAM, subject).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  assert.equal(find(TEAM, subject).length, 1, 'and to the team picked with the keyboard');
  while (find(MARC, subject).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  assert.equal(find(MARC, subject).length, 1, 'and to the blind copy');
  const atClaire = doveadm('fetch', '-u', CLAIRE_MAILBOX, 'hdr', 'mailbox', 'INBOX', 'subject', subject);
  assert.ok(!atClaire.includes(MARC) && !/^bcc:/im.test(atClaire), `the blind copy is not in what the others receive: ${atClaire}`);
  doveadm('expunge', '-u', MARC, 'mailbox', 'INBOX', 'subject', subject);
  // the other test files count these inboxes: leave them as seeded
  for (const mailbox of [CLAIRE_MAILBOX, TEAM]) doveadm('expunge', '-u', mailbox, 'mailbox', 'INBOX', 'subject', subject);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('the annuaire page filters by profession and département on a phone, and « Écrire » starts a message', async () => {
  const page = await (await newContext(run.browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  const problems = watchProblems(page, run.webmail.url);
  await signIn(page, run.webmail.url, SOPHIE);
  await waitForHydration(page);
  // on a phone the link waits in the menu
  await page.getByRole('button', { name: /^Menu/ }).click();
  await page.getByRole('link', { name: 'Annuaire' }).click();
  await page.getByRole('heading', { name: 'Annuaire santé' }).waitFor();
  await page.getByLabel('Profession').selectOption('Infirmier');
  await page.getByLabel('Commune, code postal ou département').fill('33');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.waitForURL(/profession=Infirmier.*lieu=33/);
  const rows = page.getByTestId('resultats-annuaire').locator('li');
  await rows.first().waitFor();
  assert.ok((await rows.count()) > 1 && (await rows.count()) <= 20);
  for (const row of await rows.all()) assert.match(await row.innerText(), /BAL nominative — Infirmier[\s\S]*— 33\d{3} /);
  assert.match(await page.getByRole('status').first().innerText(), /\d+ résultat\(s\)/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `nothing overflows sideways (${width} px)`);

  const address = (await rows.first().locator('.adresse').innerText()).trim();
  await rows.first().getByRole('link', { name: /^Écrire à / }).click();
  await page.getByTestId('puce').filter({ hasText: address }).waitFor();
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('a message says who its correspondents are, and flags an address absent from the directory', async () => {
  const page = await (await newContext(run.browser)).newPage();
  await signIn(page, run.webmail.url);
  await page.getByRole('link', { name: /Adressage : M\. Bernard PETIT/ }).click();
  const sender = page.getByTestId('correspondant').first();
  await sender.waitFor();
  assert.match(await sender.locator('summary').getAttribute('title'), /Dr Marc GARNIER \(BAL nominative\) — Médecin/);
  await sender.locator('summary').click();
  assert.match(await sender.innerText(), /Médecin · Médecine générale/);

  await page.goto(run.webmail.url);
  await page.getByRole('link', { name: /Compte rendu d'hospitalisation — M\. Émile FAURE/ }).click();
  await page.getByTestId('absent-annuaire').waitFor();
  assert.match(await page.locator('.entetes').innerText(), /paul\.robin@hopital-demo\.mssante\.fr> \(adresse absente de l'annuaire\)/);
  await page.context().close();
  // the other test files count Claire's unread messages: Marc's is unread, as seeded
  markUnreadAgain(CLAIRE_MAILBOX, 'Adressage : M. Bernard PETIT');
});
