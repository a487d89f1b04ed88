// « Paramètres » on a phone, with taps only: an automatic reply from a proposed text, a forward
// refused outside the trust space then accepted inside it, a filter, a signature; all of it
// still there when the page is opened again. Lucie's mailbox (the server's settings test uses it
// too, before the browser tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { after, before } from 'node:test';
import { browserAndWebmail, newContext, signIn, waitForHydration, watchProblems } from './harness.mjs';

const run = browserAndWebmail(8081);
const LUCIE_RPPS = '10100000074';
const LUCIE = 'lucie.rolland@hopital-demo.mssante.fr';

/** `mailbox` without any rules, as another test may have left them (or this one would leave a
 * forward or an automatic reply). */
function withoutRules(mailbox) {
  const conf = `${process.env.OPERATOR_STATE || '/var/tmp/mssante-operator'}/etc/dovecot/dovecot.conf`;
  const sieve = (...args) => { try { execFileSync('doveadm', ['-c', conf, 'sieve', ...args], { stdio: 'ignore' }); } catch { /* none */ } };
  sieve('deactivate', '-u', mailbox);
  sieve('delete', '-u', mailbox, 'messagerie-mssante');
  sieve('delete', '-u', mailbox, 'autre-logiciel');
}
/** The service Lucie administers. */
const SERVICE = 'reeducation@hopital-demo.mssante.fr';
for (const mailbox of [LUCIE, SERVICE]) {
  before(() => withoutRules(mailbox));
  after(() => withoutRules(mailbox));
}
const PHONE = { viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true };

test('on a phone: an automatic reply, a forward inside the trust space only, a filter and a signature, kept', async () => {
  const page = await (await newContext(run.browser, PHONE)).newPage();
  const problems = watchProblems(page, run.webmail.url);
  await signIn(page, run.webmail.url, LUCIE_RPPS);
  await waitForHydration(page);
  await page.getByRole('button', { name: /^Menu/ }).tap();
  await page.getByTestId('parametres').tap();
  const reply = page.getByRole('group', { name: 'Réponse automatique', exact: true });
  await reply.waitFor();
  await waitForHydration(page);

  await reply.getByLabel('Répondre automatiquement aux messages reçus').tap();
  await reply.getByLabel('Du', { exact: true }).fill('2026-12-20');
  await reply.getByLabel('Au', { exact: true }).fill('2027-01-04');
  await reply.getByRole('button', { name: "Texte de changement d'adresse" }).tap();
  assert.match(await reply.getByLabel('Message', { exact: true }).inputValue(), /Ma nouvelle adresse MSSanté est/);
  assert.equal(await reply.getByLabel('Objet', { exact: true }).inputValue(), "Changement d'adresse");

  const forward = page.getByRole('group', { name: 'Transfert' });
  await forward.getByLabel('Transférer les messages reçus').tap();
  await forward.getByLabel("Vers l'adresse MSSanté").fill('dr.rolland@gmail.com');
  const save = page.getByRole('button', { name: 'Enregistrer', exact: true });
  const box = await save.boundingBox();
  assert.ok(box.y >= 0 && box.y + box.height <= 780, `« Enregistrer » in reach (${Math.round(box.y)})`);
  await save.tap();
  await page.getByText('Transfert refusé vers dr.rolland@gmail.com').waitFor();
  // nothing typed was lost by the refusal
  assert.match(await reply.getByLabel('Message', { exact: true }).inputValue(), /Ma nouvelle adresse MSSanté est/);
  await forward.getByLabel("Vers l'adresse MSSanté").fill('marc.garnier@cabinet-demo.mssante.fr');

  const filters = page.getByRole('group', { name: 'Filtres' });
  await filters.getByRole('button', { name: 'Ajouter un filtre' }).tap();
  await filters.getByLabel('Filtre 1 : texte cherché').fill('[Labo]');
  await filters.getByLabel('Filtre 1 : action').selectOption({ label: 'Classer dans le dossier' });
  await filters.getByLabel('Filtre 1 : dossier').selectOption({ label: 'Indésirables' });
  await page.getByLabel('Ajoutée à vos nouveaux messages et à vos réponses').fill('Lucie ROLLAND\nKinésithérapeute');
  await save.tap();
  await page.getByTestId('parametres-enregistres').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${width} px wide on a 360 px screen`);

  // opened again: what was set is what the operator keeps
  await page.reload();
  await reply.waitFor();
  // as served, before the page is interactive: the values are in the page itself
  assert.equal(await reply.getByLabel('Répondre automatiquement aux messages reçus').isChecked(), true);
  await waitForHydration(page);
  assert.equal(await reply.getByLabel('Répondre automatiquement aux messages reçus').isChecked(), true);
  assert.equal(await reply.getByLabel('Du', { exact: true }).inputValue(), '2026-12-20');
  assert.equal(await forward.getByLabel("Vers l'adresse MSSanté").inputValue(), 'marc.garnier@cabinet-demo.mssante.fr');
  assert.equal(await filters.getByTestId('filtre').count(), 1);
  assert.equal(await filters.getByLabel('Filtre 1 : texte cherché').inputValue(), '[Labo]');
  assert.equal(await page.getByLabel('Ajoutée à vos nouveaux messages et à vos réponses').inputValue(), 'Lucie ROLLAND\nKinésithérapeute');

  // a message saved from another program (.eml) imported into the inbox, with the upload's progress
  const moving = page.getByRole('group', { name: 'Exporter et importer' });
  const id = `import-${Date.now()}@cabinet-demo.mssante.fr`;
  const eml = `From: marc.garnier@cabinet-demo.mssante.fr\nTo: lucie.rolland@hopital-demo.mssante.fr\nSubject: Ancien message\nMessage-ID: <${id}>\n\nGardé.\n`;
  await moving.locator('input[name=import]').setInputFiles({ name: 'ancien.eml', mimeType: 'message/rfc822', buffer: Buffer.from(eml) });
  await page.getByTestId('import-fait').filter({ hasText: '« ancien.eml » : 1 message(s) ajouté(s), 0 doublon(s) ignoré(s).' }).waitFor();
  await moving.locator('input[name=import]').setInputFiles({ name: 'ancien.eml', mimeType: 'message/rfc822', buffer: Buffer.from(eml) });
  await page.getByTestId('import-fait').filter({ hasText: '0 message(s) ajouté(s), 1 doublon(s) ignoré(s).' }).waitFor();
  // several files at once: each sent in turn, what they did summed up
  const other = (n) => ({ name: `autre-${n}.eml`, mimeType: 'message/rfc822',
    buffer: Buffer.from(`From: marc.garnier@cabinet-demo.mssante.fr\nSubject: Autre ${n}\nMessage-ID: <autre-${n}-${id}>\n\nGardé.\n`) });
  await moving.locator('input[name=import]').setInputFiles([other(1), other(2), { name: 'ancien.eml', mimeType: 'message/rfc822', buffer: Buffer.from(eml) }]);
  await page.getByTestId('import-fait').filter({ hasText: '3 fichiers envoyés : 2 message(s) ajouté(s), 1 doublon(s) ignoré(s).' }).waitFor();
  // and a file dropped on the zone
  await moving.locator('.depot').evaluate((zone, text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], 'depose.eml', { type: 'message/rfc822' }));
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, `From: marc.garnier@cabinet-demo.mssante.fr\nSubject: Déposé\nMessage-ID: <depose-${id}>\n\nGardé.\n`);
  await page.getByTestId('import-fait').filter({ hasText: '« depose.eml » : 1 message(s) ajouté(s), 0 doublon(s) ignoré(s).' }).waitFor();

  // the export downloads the folder chosen, its progress followed on the page
  const [download] = await Promise.all([page.waitForEvent('download'), moving.getByRole('button', { name: 'Exporter ce dossier' }).tap()]);
  assert.equal(download.suggestedFilename(), 'INBOX.mbox');
  const exported = await readFile(await download.path(), 'utf8');
  assert.match(exported, new RegExp(`Message-ID: <${id}>`));
  assert.match(exported, new RegExp(`Message-ID: <depose-${id}>`));
  const count = (exported.match(/^From /gm) || []).length;
  await page.getByTestId('export-suivi').filter({ hasText: `Export terminé : ${count} message(s) dans le fichier téléchargé.` }).waitFor();

  // and a new message starts with the signature
  await page.goto(`${run.webmail.url}/ecrire`);
  await page.getByLabel('Message', { exact: true }).waitFor();
  await waitForHydration(page);
  assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), '\n\n-- \nLucie ROLLAND\nKinésithérapeute');
  // the one refusal: the forward to gmail.com
  assert.deepEqual(problems, ['Failed to load resource: the server responded with a status of 400 (Bad Request) (http://127.0.0.1:8081/api/parametres/enregistrer)']);
  await page.context().close();
});

test("on a phone: the automatic reply of a service's mailbox, set by its administrator", async () => {
  const page = await (await newContext(run.browser, PHONE)).newPage();
  const problems = watchProblems(page, run.webmail.url);
  await signIn(page, run.webmail.url, LUCIE_RPPS);
  await page.goto(`${run.webmail.url}/parametres`);
  const service = page.getByRole('group', { name: `Réponse automatique de ${SERVICE}` });
  await service.waitFor();
  await waitForHydration(page);
  await service.getByLabel('Répondre automatiquement aux messages reçus').tap();
  await service.getByRole('button', { name: "Texte de changement d'adresse" }).tap();
  await service.getByLabel('Objet', { exact: true }).fill('Service fermé');
  // her own automatic reply is another one, untouched
  const own = page.getByRole('group', { name: 'Réponse automatique', exact: true });
  const ownBefore = await own.getByLabel('Objet', { exact: true }).inputValue();
  assert.notEqual(ownBefore, 'Service fermé');
  const save = service.getByRole('button', { name: `Enregistrer la réponse automatique de ${SERVICE}` });
  await save.scrollIntoViewIfNeeded();
  await save.tap();
  await service.getByText('Réponse automatique de la boîte enregistrée.').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${width} px wide on a 360 px screen`);

  await page.reload();
  await service.waitFor();
  assert.equal(await service.getByLabel('Répondre automatiquement aux messages reçus').isChecked(), true);
  assert.equal(await service.getByLabel('Objet', { exact: true }).inputValue(), 'Service fermé');
  assert.match(await service.getByLabel('Message', { exact: true }).inputValue(), /Ma nouvelle adresse MSSanté est/);
  assert.equal(await own.getByLabel('Objet', { exact: true }).inputValue(), ownBefore);
  assert.deepEqual(problems, []);
  await page.context().close();
});
