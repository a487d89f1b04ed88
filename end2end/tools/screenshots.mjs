// Screenshots of the running demo for a human look: sign-in, inbox and a message, desktop and phone.
//   node end2end/tools/screenshots.mjs [webmail-url] [out-dir]
import { mkdirSync } from 'node:fs';
import { launchBrowser, newContext, signIn } from '../tests/harness.mjs';

const url = process.argv[2] || 'http://127.0.0.1:8080';
const out = process.argv[3] || 'end2end/screenshots';
mkdirSync(out, { recursive: true });
const browser = await launchBrowser();
for (const [name, viewport] of [['bureau', { width: 1280, height: 800 }], ['telephone', { width: 390, height: 844 }]]) {
  const context = await newContext(browser, { viewport });
  const page = await context.newPage();
  await page.goto(url);
  await page.screenshot({ path: `${out}/${name}-connexion.png` });
  await signIn(page, url);
  await page.screenshot({ path: `${out}/${name}-boite.png`, fullPage: true });
  await page.locator('.message a').nth(1).click();
  await page.waitForURL(/\/messages\//);
  // the message itself, not its loading line
  await page.getByTestId('objet').waitFor();
  await page.screenshot({ path: `${out}/${name}-message.png`, fullPage: true });
  await page.getByRole('link', { name: 'Répondre à tous' }).click();
  await page.getByLabel('Objet').waitFor();
  await page.waitForLoadState('networkidle');
  await page.getByLabel('Cc', { exact: true }).fill('dr.house@gmail.com ');
  await page.locator('.puce.refusee .motif').waitFor();
  await page.screenshot({ path: `${out}/${name}-reponse.png`, fullPage: true });
  // on a phone the account, sign-out included, is in the drawer
  if (viewport.width < 700) await page.getByRole('button', { name: 'Menu : dossiers et compte' }).click();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await context.close();
}
await browser.close();
console.log(`screenshots in ${out}`);
