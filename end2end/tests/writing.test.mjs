// Writing and sending in Chromium against the real operator: recipient chips checked against the
// trust space, an attachment with its progress bar, closing a patient exchange, drafts that save
// themselves and come back after a lost connection, replies and read receipts with consent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { browserAndWebmail, newContext, signIn, waitForHydration, watchProblems } from './harness.mjs';

const SOPHIE = { rpps: '10100000033', mailbox: 'sophie.lambert@hopital-demo.mssante.fr' };
const MARC = 'marc.garnier@cabinet-demo.mssante.fr';
const PATIENT = '285077511234511@patient.mssante.fr';
const state = process.env.OPERATOR_STATE || '/var/tmp/mssante-operator';
const doveadm = (args, input) => execFileSync('doveadm', ['-c', `${state}/etc/dovecot/dovecot.conf`, ...args], { input, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'ignore'] }).toString();
/** UIDs in `folder` of `user` whose header `name` contains `value`. */
const find = (user, folder, name, value) => doveadm(['search', '-u', user, 'mailbox', folder, 'header', name, value]).split('\n').filter(Boolean);
const messageText = (user, folder, name, value) => doveadm(['fetch', '-u', user, 'text', 'mailbox', folder, 'header', name, value]);

async function until(check, what, timeout = 15000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const run = browserAndWebmail(8080);

async function compose(options = {}) {
  const page = await (await newContext(run.browser, options)).newPage();
  await signIn(page, run.webmail.url, SOPHIE.rpps);
  await page.getByRole('link', { name: 'Écrire' }).click();
  await page.getByLabel('À', { exact: true }).waitFor();
  await waitForHydration(page);
  return page;
}

test('a message to a colleague and a patient: refused chip, attachment with progress, exchange closed, sent once', async () => {
  const page = await compose();
  const problems = watchProblems(page, run.webmail.url);
  const to = page.getByLabel('À', { exact: true });
  await to.fill(`${MARC}, dr.house@gmail.com; ${PATIENT} `);
  const refused = page.getByTestId('puce').filter({ hasText: 'dr.house@gmail.com' });
  await refused.locator('.motif').waitFor();
  assert.match(await refused.innerText(), /Refusé : le domaine gmail\.com n'appartient pas à l'espace de confiance MSSanté/);
  assert.equal(await page.getByRole('button', { name: 'Envoyer' }).isDisabled(), true, 'nothing can be sent to a refused recipient');
  await page.getByRole('button', { name: 'Retirer dr.house@gmail.com' }).click();
  assert.equal(await page.getByTestId('puce').count(), 2);

  // the patient: who the INS says it is, to confirm; then the mix with a colleague, to confirm
  const identity = page.getByTestId('identite-patient');
  await identity.waitFor();
  assert.match(await identity.innerText(), /Patient · Mon espace santé — Femme, née en juillet 1985, dans le département 75/);
  const send = page.getByRole('button', { name: 'Envoyer' });
  assert.match(await page.getByTestId('regle-patient').innerText(), /Confirmez l'identité du patient/);
  assert.equal(await send.isDisabled(), true, 'not before the identity is confirmed');
  await identity.getByLabel(/Identité vérifiée/).check();
  assert.match(await page.getByTestId('regle-patient').innerText(), /patient et à des professionnels/);
  assert.equal(await send.isDisabled(), true, 'not before the mix is confirmed');
  await page.getByTestId('confirmation-mixte').getByRole('checkbox').check();
  assert.equal(await page.getByTestId('regle-patient').count(), 0);

  const subject = `Bilan biologique ${Date.now()}`;
  await page.getByLabel('Objet').fill(subject);
  await page.getByLabel('Message', { exact: true }).fill('Bonjour,\nvoici le bilan du 20 novembre.\nBien cordialement,\nDr Sophie LAMBERT');
  await page.getByText(/Clôturer l'échange/).click();
  await page.getByLabel('Demander un accusé de remise').check();

  // a slow uplink, so the progress bar is seen moving
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(900 * 1024, 'x')]);
  await page.locator('input[type=file]').setInputFiles({ name: 'bilan_biologique.pdf', mimeType: 'application/pdf', buffer: pdf });
  const bar = page.locator('.piece.en-cours progress');
  await bar.waitFor();
  await page.waitForFunction(() => Number(document.querySelector('.piece.en-cours progress')?.value) > 0);
  await page.getByTestId('piece-ajoutee').filter({ hasText: 'bilan_biologique.pdf' }).waitFor({ timeout: 30000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  assert.match(await page.getByTestId('piece-ajoutee').innerText(), /bilan_biologique\.pdf\s*\d+(,\d)? Ko/);

  await page.getByRole('button', { name: 'Envoyer' }).click();
  await page.getByTestId('envoye').waitFor();
  assert.equal(await page.getByTestId('envoye').innerText(), 'Message envoyé.');

  await until(() => find(MARC, 'INBOX', 'Subject', subject).length === 1 && find(PATIENT, 'INBOX', 'Subject', subject).length === 1, 'delivery');
  const delivered = messageText(PATIENT, 'INBOX', 'Subject', subject);
  assert.match(delivered, /X-MSS-MES: FIN/);
  assert.match(delivered, /X-MSS-NIL: /);
  assert.match(delivered, /filename="?bilan_biologique\.pdf/);
  assert.equal(find(SOPHIE.mailbox, 'Sent', 'Subject', subject).length, 1, 'one copy in Sent');
  assert.equal(find(SOPHIE.mailbox, 'Drafts', 'Subject', subject).length, 0, 'no draft left');
  // the delivery notification asked for comes back, and Sent says so
  await until(() => messageText(SOPHIE.mailbox, 'INBOX', 'Subject', 'Successful Mail Delivery Report').includes(subject), 'the DSN');
  await page.getByRole('navigation', { name: 'Dossiers' }).getByRole('link', { name: /^Envoyés/ }).click();
  await page.waitForURL(/dossier=Sent/);
  assert.match(await page.getByTestId('messages').locator('li').filter({ hasText: subject }).getByTestId('accuses').innerText(), /Remis à marc\.garnier@cabinet-demo\.mssante\.fr le/);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('one patient per message, and a [FIN] subject is explained', async () => {
  const page = await compose();
  await page.getByLabel('À', { exact: true }).fill(`${PATIENT} 279035121518989@patient.mssante.fr `);
  await page.getByTestId('identite-patient').nth(1).waitFor();
  assert.match(await page.getByTestId('identite-patient').nth(1).innerText(), /Femme, née en mars 1979, dans le département 51/);
  for (const box of await page.getByLabel(/Identité vérifiée/).all()) await box.check();
  assert.match(await page.getByTestId('regle-patient').innerText(), /un seul patient/);
  assert.match(await page.getByTestId('budget-pj').innerText(), /sur 25,0 Mo autorisés$/, 'Mon Espace Santé takes 25 Mo');
  assert.equal(await page.getByRole('button', { name: 'Envoyer' }).isDisabled(), true);
  await page.getByRole('button', { name: 'Retirer 279035121518989@patient.mssante.fr' }).click();
  assert.equal(await page.getByTestId('regle-patient').count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Envoyer' }).isDisabled(), false);
  for (const p of [PATIENT]) await page.getByRole('button', { name: `Retirer ${p}` }).click();
  assert.match(await page.getByTestId('budget-pj').innerText(), /sur 20,0 Mo autorisés$/, 'between professionals, 20 Mo');
  await page.getByLabel('À', { exact: true }).fill(`${PATIENT} `);
  await page.getByLabel(/Identité vérifiée/).check();
  await page.getByLabel('Objet').fill('[FIN]');
  assert.match(await page.getByTestId('objet-fin').innerText(), /clôt l'échange/);
  await page.getByRole('button', { name: 'Supprimer le brouillon' }).click();
  await page.waitForURL(`${run.webmail.url}/`);
  await page.context().close();
});

test('on a phone: the draft saves itself, and what was typed offline or after the session ended comes back', async () => {
  const page = await compose({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const subject = `Visite à domicile ${Date.now()}`;
  await page.getByLabel('À', { exact: true }).fill(`${MARC} `);
  await page.getByLabel('Objet').fill(subject);
  await page.getByLabel('Message', { exact: true }).fill('Patient vu ce matin.');
  await page.getByTestId('etat-brouillon').filter({ hasText: 'Brouillon enregistré' }).waitFor();
  await until(() => find(SOPHIE.mailbox, 'Drafts', 'Subject', subject).length === 1, 'the draft in Drafts');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing overflows sideways');

  // the connection drops while writing: the text stays in this tab
  await page.context().setOffline(true);
  await page.getByLabel('Message', { exact: true }).fill('Patient vu ce matin. Tension 14/9, à revoir dans une semaine.');
  await page.getByTestId('etat-brouillon').filter({ hasText: 'Brouillon non enregistré' }).waitFor();
  assert.match(await page.getByTestId('etat-brouillon').innerText(), /gardé dans cet onglet.*injoignable/s);
  await page.context().setOffline(false);
  await page.goto(`${run.webmail.url}/ecrire`);
  await page.getByTestId('reprise').waitFor();
  await page.getByRole('button', { name: 'Reprendre ce brouillon' }).click();
  assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'Patient vu ce matin. Tension 14/9, à revoir dans une semaine.');
  assert.equal(await page.getByLabel('Objet').inputValue(), subject);
  await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
  await page.getByTestId('etat-brouillon').filter({ hasText: 'Brouillon enregistré' }).waitFor();
  await until(() => find(SOPHIE.mailbox, 'Drafts', 'Subject', subject).length === 1, 'one draft, updated');
  assert.match(messageText(SOPHIE.mailbox, 'Drafts', 'Subject', subject), /Tension 14\/9/);

  // the session ends while writing (inactivity, SESSION_IDLE_MINUTES): nothing typed is lost;
  // signing in again through PSC, the draft is offered back
  await page.context().clearCookies();
  await page.getByLabel('Message', { exact: true }).fill('Patient vu ce matin. Tension 14/9, à revoir dans une semaine. Ordonnance renouvelée.');
  await page.getByTestId('etat-brouillon').filter({ hasText: 'Brouillon non enregistré' }).waitFor();
  assert.match(await page.getByTestId('etat-brouillon').innerText(), /gardé dans cet onglet.*pas connecté/s);
  await page.getByTestId('reconnexion').click();
  await page.getByLabel('Identifiant RPPS').fill(SOPHIE.rpps);
  await page.getByRole('button', { name: /Valider/ }).click();
  await page.waitForURL(`${run.webmail.url}/`);
  await page.goto(`${run.webmail.url}/ecrire`);
  await page.getByRole('button', { name: 'Reprendre ce brouillon' }).click();
  assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'Patient vu ce matin. Tension 14/9, à revoir dans une semaine. Ordonnance renouvelée.');
  await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
  await page.getByTestId('etat-brouillon').filter({ hasText: 'Brouillon enregistré' }).waitFor();

  // from the Drafts folder, the draft opens for writing again
  await page.goto(`${run.webmail.url}/?dossier=Drafts`);
  await page.getByRole('link', { name: new RegExp(subject) }).click();
  await page.getByLabel('Objet').waitFor();
  assert.equal(await page.getByLabel('Objet').inputValue(), subject);
  assert.match(await page.getByLabel('Message', { exact: true }).inputValue(), /Ordonnance renouvelée\.$/, 'what was typed after the session ended, saved');
  await page.getByRole('button', { name: 'Supprimer le brouillon' }).click();
  await page.waitForURL(`${run.webmail.url}/`);
  assert.equal(find(SOPHIE.mailbox, 'Drafts', 'Subject', subject).length, 0);
  await page.context().close();
});

test('a read receipt is sent only with consent, and the reply is threaded', async () => {
  const subject = `Demande d'avis ${Date.now()}`;
  doveadm(['save', '-u', SOPHIE.mailbox, '-m', 'INBOX'],
    `From: Dr Marc GARNIER <${MARC}>\r\nTo: ${SOPHIE.mailbox}\r\nSubject: ${subject}\r\nMessage-ID: <avis-${Date.now()}@cabinet-demo.mssante.fr>\r\n`
    + `Disposition-Notification-To: ${MARC}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPouvez-vous revoir Mme Durand ?\r\n`);
  const page = await (await newContext(run.browser)).newPage();
  await signIn(page, run.webmail.url, SOPHIE.rpps);
  await page.getByRole('link', { name: new RegExp(subject) }).click();
  await page.getByTestId('accuse').waitFor();
  await waitForHydration(page);
  const receiptsBefore = find(MARC, 'INBOX', 'Content-Type', 'disposition-notification').length;
  await page.getByRole('button', { name: "Envoyer l'accusé de lecture" }).click();
  await page.getByText('ne vous sera plus demandé').waitFor();
  await until(() => find(MARC, 'INBOX', 'Content-Type', 'disposition-notification').length === receiptsBefore + 1, 'the MDN');

  await page.getByRole('link', { name: 'Répondre', exact: true }).click();
  await page.getByLabel('Objet').waitFor();
  await waitForHydration(page);
  assert.equal(await page.getByLabel('Objet').inputValue(), `RE : ${subject}`);
  assert.match(await page.getByTestId('puce').innerText(), new RegExp(MARC.replace(/\./g, '\\.')));
  assert.match(await page.getByLabel('Message', { exact: true }).inputValue(), /Dr Marc GARNIER <marc\.garnier@cabinet-demo\.mssante\.fr> a écrit :\n> Pouvez-vous revoir Mme Durand \?/);
  await page.getByRole('button', { name: 'Envoyer' }).click();
  await page.getByTestId('envoye').waitFor();
  // (Dovecot matches header words, so the receipt's subject matches too: look at the texts)
  await until(() => messageText(MARC, 'INBOX', 'Subject', subject).includes(`Subject: RE : ${subject}`), 'the reply');
  const reply = messageText(MARC, 'INBOX', 'Subject', subject).split(/^text:$/m).find((m) => m.includes(`Subject: RE : ${subject}`));
  assert.match(reply, /In-Reply-To: <avis-/);
  await page.context().close();
});
