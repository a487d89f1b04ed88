// Organisational mailboxes in Chromium: the mailbox switcher, the traced actions on the trace
// page (with its integrity check, chart and CSV export), members and rights for administrators
// only, and revocation felt at once by a member whose page is open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndWebmail, newContext, signIn, waitForHydration } from './harness.mjs';

const ORG = 'secretariat-cardio@hopital-demo.mssante.fr';
const CLAIRE = '10100000017';
const JULIEN = { rpps: '10100000025', mailbox: 'julien.moreau@hopital-demo.mssante.fr' };

const run = browserAndWebmail(8080);

async function signedIn(rpps) {
  const page = await (await newContext(run.browser)).newPage();
  await signIn(page, run.webmail.url, rpps);
  await waitForHydration(page);
  return page;
}

test('a member opens the organisational mailbox from the switcher and finds the access in its trace', async () => {
  const page = await signedIn(JULIEN.rpps);
  await page.getByTestId('choix-boite').selectOption(`Shared/${ORG}`);
  await page.waitForURL(/dossier=Shared%2Fsecretariat/);
  await page.getByText('chaque action y est tracée à votre nom').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Membres et droits' }).count(), 0, 'not an administrator');
  await page.getByRole('link', { name: "Traces d'accès" }).click();
  await page.getByTestId('traces').waitFor();
  const first = page.getByTestId('traces').locator('tbody tr').first();
  assert.match(await first.innerText(), /Julien MOREAU \(RPPS 10100000025, julien\.moreau@hopital-demo\.mssante\.fr\)\s+Ouverture de la boîte/);
  assert.match(await first.innerText(), /réussi\s+127\.0\.0\.1/);
  assert.match(await page.getByTestId('integrite').innerText(), /Intégrité vérifiée/);
  assert.match(await page.getByText('Vous voyez vos propres traces').innerText(), /administrateurs/);

  // a page served by the server (not hydrated navigation) is one action too: one row
  const openings = async () => {
    await page.goto(`${run.webmail.url}/boites/traces?boite=${encodeURIComponent(ORG)}&action=ouverture`);
    return page.getByTestId('traces').locator('tbody tr').count();
  };
  const before = await openings();
  await page.goto(`${run.webmail.url}/?dossier=${encodeURIComponent(`Shared/${ORG}`)}`);
  await page.getByTestId('messages').waitFor();
  assert.equal(await openings(), before + 1);

  // the member exports the whole organisational mailbox from « Paramètres »: followed, then traced
  await page.goto(`${run.webmail.url}/parametres`);
  await waitForHydration(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: `Exporter ${ORG} (ZIP)` }).click()]);
  assert.match(download.suggestedFilename(), /^secretariat-cardio.*\.zip$/);
  await download.path();
  await page.getByTestId('export-suivi').filter({ hasText: /Export terminé : \d+ message\(s\)/ }).waitFor();
  await page.goto(`${run.webmail.url}/boites/traces?boite=${encodeURIComponent(ORG)}`);
  const exported = page.getByTestId('traces').locator('tbody tr').filter({ hasText: 'Export de messages' }).first();
  assert.match(await exported.innerText(), /Julien MOREAU[\s\S]*export ZIP : \d+ message\(s\) sur \d+/);
  await page.context().close();
});

test('a member takes a message in charge; the others see it, and « Non pris en charge » leaves it out', async () => {
  const julien = await signedIn(JULIEN.rpps);
  await julien.goto(`${run.webmail.url}/?dossier=${encodeURIComponent(`Shared/${ORG}`)}`);
  const row = (page) => page.getByTestId('messages').locator('li').filter({ hasText: 'Transmission ECG' });
  await row(julien).getByRole('link').click();
  await waitForHydration(julien);
  const take = julien.getByTestId('prise-en-charge');
  assert.equal(await take.innerText(), "Je m'en occupe");
  await take.click();
  await julien.getByTestId('pris-en-charge').filter({ hasText: 'Pris en charge par vous' }).waitFor();
  assert.equal(await take.innerText(), "Je ne m'en occupe plus");
  await julien.waitForLoadState('networkidle');

  const claire = await signedIn(CLAIRE);
  await claire.goto(`${run.webmail.url}/?dossier=${encodeURIComponent(`Shared/${ORG}`)}`);
  assert.equal(await row(claire).getByTestId('pris-en-charge').innerText(), `Pris en charge par ${JULIEN.mailbox}`);
  await claire.getByTestId('non-pris-en-charge').click();
  await claire.waitForURL(/libres=1/);
  // the list shown stays until the filtered one arrives (a transition): wait for the filter
  await claire.getByText(/message\(s\)/).waitFor();
  await row(claire).waitFor({ state: 'detached', timeout: 10000 });
  assert.equal(await row(claire).count(), 0, 'taken: not in « Non pris en charge »');
  assert.ok(await claire.getByTestId('messages').locator('li').count() >= 1);

  // let go: back for everyone
  await take.click();
  await julien.waitForLoadState('networkidle');
  await claire.reload();
  assert.equal(await row(claire).count(), 1);
  await julien.context().close();
  await claire.context().close();
});

test('an administrator manages members, exports the traces, and a revocation applies at once', async () => {
  const julien = await signedIn(JULIEN.rpps);
  const claire = await signedIn(CLAIRE);
  await claire.goto(`${run.webmail.url}/boites/membres?boite=${encodeURIComponent(ORG)}`);
  const row = claire.getByTestId('membre').filter({ hasText: 'Julien MOREAU' });
  await row.waitFor();
  await waitForHydration(claire);
  assert.equal(await row.getByRole('checkbox', { name: /^Envoyer au nom de la boîte/ }).isChecked(), true);

  // the administrator gives the mailbox its signature on « Paramètres » (taken off again after)
  await claire.goto(`${run.webmail.url}/parametres`);
  await waitForHydration(claire);
  const teamSignature = claire.getByTestId('signatures-boites');
  await teamSignature.getByLabel(`Signature de ${ORG}`).fill('Secrétariat de cardiologie\nPoste 4512');
  await teamSignature.getByRole('button', { name: `Enregistrer la signature de ${ORG}` }).click();
  await teamSignature.getByText('Signature de la boîte enregistrée.').waitFor();
  await claire.goto(`${run.webmail.url}/ecrire?dossier=${encodeURIComponent(`Shared/${ORG}`)}`);
  await waitForHydration(claire);
  const body = claire.getByLabel('Message', { exact: true });
  assert.equal(await body.inputValue(), '\n\n-- \nSecrétariat de cardiologie\nPoste 4512');
  // written from her own mailbox instead (no signature of her own): the team's goes, what is typed stays
  await body.fill('Bien reçu.\n\n-- \nSecrétariat de cardiologie\nPoste 4512');
  const from = claire.getByRole('combobox', { name: /^De/ });
  await from.selectOption('claire.dubois@hopital-demo.mssante.fr');
  assert.equal(await body.inputValue(), 'Bien reçu.');
  await from.selectOption(ORG);
  assert.equal(await body.inputValue(), 'Bien reçu.\n\n-- \nSecrétariat de cardiologie\nPoste 4512');
  await claire.goto(`${run.webmail.url}/parametres`);
  await waitForHydration(claire);
  await teamSignature.getByLabel(`Signature de ${ORG}`).fill('');
  await teamSignature.getByRole('button', { name: `Enregistrer la signature de ${ORG}` }).click();
  await teamSignature.getByText('Signature de la boîte enregistrée.').waitFor();
  await claire.goto(`${run.webmail.url}/boites/membres?boite=${encodeURIComponent(ORG)}`);
  await row.waitFor();
  await waitForHydration(claire);

  // the directory finds a professional by name; adding gives reading and marking
  // (the directory holds 50 000 fictitious people too: the structure's name narrows it down)
  await claire.getByLabel('Nom ou RPPS').fill('lambert demonstration');
  await claire.getByRole('button', { name: "Chercher dans l'annuaire" }).click();
  await claire.getByTestId('annuaire').getByText(/Dr Sophie LAMBERT · RPPS 10100000033 · Pharmacien/).waitFor();
  await claire.getByRole('button', { name: 'Ajouter (lire et marquer)' }).click();
  const sophie = claire.getByTestId('membre').filter({ hasText: 'Sophie LAMBERT' });
  await sophie.waitFor();
  assert.equal(await sophie.getByRole('checkbox', { name: /^Lire/ }).isChecked(), true);
  assert.equal(await sophie.getByRole('checkbox', { name: /^Administrer/ }).isChecked(), false);
  await sophie.getByRole('button', { name: "Retirer l'accès" }).click();
  await sophie.waitFor({ state: 'detached' });

  // Julien's page is open on the mailbox; he is revoked, his next step is refused
  await julien.goto(`${run.webmail.url}/?dossier=${encodeURIComponent(`Shared/${ORG}`)}`);
  await julien.getByTestId('messages').waitFor();
  await row.getByRole('button', { name: "Retirer l'accès" }).click();
  await row.waitFor({ state: 'detached' });
  await julien.reload();
  await julien.getByText("Ce dossier n'existe pas ou n'est pas accessible.").waitFor();

  // everything is in the trace, the administrator sees everyone's, and the CSV says the same
  await claire.goto(`${run.webmail.url}/boites/traces?boite=${encodeURIComponent(ORG)}&action=droits`);
  const rows = claire.getByTestId('traces').locator('tbody tr');
  await rows.first().waitFor();
  assert.match(await rows.nth(0).innerText(), /julien\.moreau@hopital-demo\.mssante\.fr : accès retiré/);
  assert.match(await rows.nth(1).innerText(), /sophie\.lambert@hopital-demo\.mssante\.fr : accès retiré/);
  assert.match(await rows.nth(2).innerText(), /sophie\.lambert@hopital-demo\.mssante\.fr : Lire, Marquer/);
  const csv = await claire.context().request.get(`${run.webmail.url}/boites/traces.csv?boite=${encodeURIComponent(ORG)}&action=droits`);
  assert.equal(csv.headers()['content-type'], 'text/csv; charset=utf-8');
  const text = await csv.text();
  assert.match(text, /^\uFEFFN°;Date \(Paris\);Membre/);
  assert.equal(text.trim().split('\r\n').length, 1 + await rows.count());
  // a member cannot read the export of others either
  const denied = await julien.context().request.get(`${run.webmail.url}/boites/traces.csv?boite=${encodeURIComponent(ORG)}`);
  assert.equal(denied.status(), 403);

  // give Julien his access back, as the demo has it
  await claire.goto(`${run.webmail.url}/boites/membres?boite=${encodeURIComponent(ORG)}`);
  await waitForHydration(claire);
  await claire.getByLabel('Nom ou RPPS').fill('10100000025');
  await claire.getByRole('button', { name: "Chercher dans l'annuaire" }).click();
  await claire.getByRole('button', { name: 'Ajouter (lire et marquer)' }).click();
  const back = claire.getByTestId('membre').filter({ hasText: 'Julien MOREAU' });
  await back.waitFor();
  await back.getByRole('checkbox', { name: /^Envoyer au nom de la boîte/ }).check();
  await back.getByRole('button', { name: 'Enregistrer' }).click();
  await claire.waitForFunction(() => [...document.querySelectorAll('[data-testid=membre]')]
    .some((r) => r.innerText.includes('Julien MOREAU') && r.querySelectorAll('input:checked').length === 3));
  await julien.reload();
  await julien.getByTestId('messages').waitFor();
  await julien.context().close();
  await claire.context().close();
});
