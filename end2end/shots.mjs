import { launchBrowser, newContext, startWebmail, signIn } from './tests/harness.mjs';
const browser = await launchBrowser();
const webmail = await startWebmail(8081);
try {
  for (const [name, options] of [['bureau', { viewport: { width: 1280, height: 900 } }], ['telephone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }]]) {
    const page = await (await newContext(browser, options)).newPage();
    page.setDefaultTimeout(8000);
    await signIn(page, webmail.url);
    await page.screenshot({ path: `/tmp/shot-${name}-liste.png` });
    try {
      await page.getByRole('link', { name: /CR d'examens biologiques VIDAL/ }).click();
      await page.getByTestId('xdm').getByRole('link', { name: 'Lettre de liaison à la sortie' }).click();
      await page.getByTestId('document-sante').waitFor();
      await page.screenshot({ path: `/tmp/shot-${name}-document.png`, fullPage: true });
    } catch (e) { console.log(name, 'document', String(e).slice(0, 300)); await page.screenshot({ path: `/tmp/shot-${name}-echec.png` }); }
    await page.goto(`${webmail.url}/ecrire`);
    await page.getByLabel('À', { exact: true }).fill('285077511234511@patient.mssante.fr marc.garnier@cabinet-demo.mssante.fr ');
    await page.getByTestId('identite-patient').waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: `/tmp/shot-${name}-ecrire.png`, fullPage: true });
    await page.context().close();
  }
  const julien = await (await newContext(browser, { viewport: { width: 1280, height: 900 } })).newPage();
  julien.setDefaultTimeout(8000);
  await signIn(julien, webmail.url, '10100000025');
  await julien.goto(`${webmail.url}/?dossier=Sent`);
  await julien.screenshot({ path: '/tmp/shot-envoyes.png' });
  await julien.goto(`${webmail.url}/`);
  await julien.getByTestId('messages').locator('li').filter({ hasText: 'Undelivered' }).first().getByRole('link').click();
  await julien.getByTestId('rapport').waitFor();
  await julien.screenshot({ path: '/tmp/shot-rebond.png' });
} catch (e) { console.log('failed', String(e).slice(0, 400)); }
await browser.close();
await webmail.stop();
