// Every page as a phone and a desktop show it: no accessibility violation (axe-core, injected in
// the page), nothing wider than the screen; the phone layout (menu drawer, actions at the bottom),
// the keyboard (skip link, shortcuts), and compose mistakes that cost time on a phone.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { browserAndWebmail, markUnreadAgain, newContext, signIn, waitForHydration, watchProblems } from './harness.mjs';

const run = browserAndWebmail(8081);

// opening messages marked them read: the files after this one count them as seeded
after(() => markUnreadAgain('claire.dubois@hopital-demo.mssante.fr', 'Adressage : M. Bernard PETIT', "CR d'examens biologiques"));
const ORG = 'secretariat-cardio@hopital-demo.mssante.fr';
const MARC = 'marc.garnier@cabinet-demo.mssante.fr';
const AXE = readFileSync(new URL('../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const PHONE = { viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true };
const SIZES = {
  'téléphone 360 px': PHONE,
  'téléphone 390 px': { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  'bureau 1280 px': { viewport: { width: 1280, height: 900 } },
};

/** axe-core's violations on the page as it is now (WCAG 2.0/2.1 A and AA, 2.2 AA, best practices). */
async function violations(page) {
  // evaluated by the devtools protocol: the page's CSP does not apply to it, nor is it loosened
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await axe.run(document, { resultTypes: ['violations'], runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] });
    return result.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
}

for (const [size, options] of Object.entries(SIZES)) {
  test(`${size}: every page passes axe-core and fits the screen`, async () => {
    const page = await (await newContext(run.browser, options)).newPage();
    const problems = watchProblems(page, run.webmail.url);
    const checked = [];
    const check = async (screen) => {
      await page.waitForLoadState('networkidle');
      assert.deepEqual(await violations(page), [], `${screen}: accessibility`);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= options.viewport.width, `${screen}: ${width} px wide on a ${options.viewport.width} px screen`);
      checked.push(screen);
    };
    await page.goto(run.webmail.url);
    await check('connexion');
    await signIn(page, run.webmail.url);
    await waitForHydration(page);
    await check('liste');
    await page.getByRole('link', { name: /CR d'examens biologiques VIDAL Hélène/ }).click();
    await page.getByTestId('xdm').waitFor();
    await check('message');
    // the same page as served (not built in the browser) hydrates without a mismatch
    await page.reload();
    await waitForHydration(page);
    await page.getByTestId('xdm').getByRole('link', { name: 'Lettre de liaison à la sortie' }).click();
    await page.getByTestId('document-sante').waitFor();
    await check('document');
    await page.reload();
    await waitForHydration(page);
    // Claire may write as the team's mailbox: the « De » list is there
    await page.goto(`${run.webmail.url}/ecrire?dossier=${encodeURIComponent(`Shared/${ORG}`)}`);
    await page.getByRole('combobox', { name: /^De/ }).waitFor();
    await check('écrire');
    await page.goto(`${run.webmail.url}/annuaire?profession=Infirmier&lieu=33`);
    await page.getByTestId('resultats-annuaire').waitFor();
    await check('annuaire');
    await page.goto(`${run.webmail.url}/?dossier=${encodeURIComponent(`Shared/${ORG}`)}`);
    await page.getByTestId('messages').waitFor();
    await check('boîte organisationnelle');
    await page.goto(`${run.webmail.url}/boites/membres?boite=${encodeURIComponent(ORG)}`);
    await page.getByTestId('membres').waitFor();
    await check('membres');
    await page.goto(`${run.webmail.url}/boites/traces?boite=${encodeURIComponent(ORG)}`);
    await page.getByTestId('traces').waitFor();
    await check('traces');
    // « Mon activité »: the user's own mailbox, from the menu; what was asked of the operator shown
    if (options.isMobile) await page.getByRole('button', { name: /^Menu/ }).tap();
    await page.getByTestId('mon-activite').click();
    await page.getByRole('heading', { name: 'Mon activité' }).waitFor();
    const own = page.getByTestId('traces');
    await own.waitFor();
    // the organisational mailbox's table stays until the user's own has come (a transition)
    await own.getByRole('columnheader', { name: 'Membre' }).waitFor({ state: 'detached' });
    assert.equal(await own.getByRole('columnheader', { name: 'Membre' }).count(), 0, 'no member column: they are all the user');
    assert.match(await own.locator('tbody tr').first().innerText(), /(UID FETCH|FETCH) [^→]+→ OK/);
    await check('mon activité');
    await page.goto(`${run.webmail.url}/parametres`);
    await page.getByRole('group', { name: 'Réponse automatique', exact: true }).waitFor();
    await check('paramètres');
    await page.goto(`${run.webmail.url}/messages/999999`);
    await page.getByRole('heading', { name: 'Message indisponible' }).waitFor();
    assert.match(await page.title(), /^Message indisponible/);
    await check('message introuvable');
    await page.goto(`${run.webmail.url}/nulle-part`);
    await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
    await check('page introuvable');
    assert.equal(checked.length, 13);
    // (the 404 of the page that does not exist is what it should be)
    assert.deepEqual(problems.filter((p) => !p.includes('/nulle-part')), []);
    await page.context().close();
  });
}

test('on a phone: one compact bar, the folders in a drawer, the actions at the bottom once a message is ticked', async () => {
  const page = await (await newContext(run.browser, PHONE)).newPage();
  await signIn(page, run.webmail.url);
  await waitForHydration(page);
  const bar = await page.locator('header.bandeau').boundingBox();
  assert.ok(bar.height <= 56, `the top bar is one row (${bar.height} px)`);
  // the first screen shows messages, not the header: at least four rows start above the fold
  const tops = await page.getByTestId('messages').locator('li').evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().top));
  assert.ok(tops.filter((top) => top < 780).length >= 4, `rows on the first screen: ${tops.map(Math.round)}`);
  // « Actualiser » asks the server again, in place
  await page.evaluate(() => { window.sameDocument = true; });
  const asked = page.waitForRequest((r) => r.url().includes('/api/messages'));
  await page.getByRole('link', { name: 'Actualiser' }).tap();
  await asked;
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'no reload');
  // nothing to act on yet: no toolbar
  assert.equal(await page.getByRole('toolbar', { name: 'Actions sur la sélection' }).isVisible(), false);
  assert.equal(await page.getByRole('link', { name: /Brouillons/ }).isVisible(), false, 'the folders wait in the drawer');

  await page.getByRole('button', { name: /^Menu/ }).tap();
  await page.getByRole('link', { name: /Brouillons/ }).tap();
  await page.waitForURL(/dossier=Drafts/);
  assert.equal(await page.getByRole('link', { name: /Brouillons/ }).isVisible(), false, 'the drawer closed on the way');
  await page.getByRole('button', { name: /^Menu/ }).tap();
  await page.getByRole('link', { name: /^Boîte de réception/ }).tap();
  await page.waitForURL(`${run.webmail.url}/`);

  await page.getByTestId('messages').locator('li').first().locator('label.case').tap();
  const toolbar = page.getByRole('toolbar', { name: 'Actions sur la sélection' });
  await toolbar.waitFor();
  const box = await toolbar.boundingBox();
  assert.ok(box.y + box.height >= 779 && box.y + box.height <= 781, `at the bottom of the screen (${box.y} + ${box.height})`);
  const target = await page.getByTestId('messages').locator('li').first().locator('label.case').boundingBox();
  assert.ok(target.width >= 44 && target.height >= 44, `a 44 px target for the thumb (${target.width}×${target.height})`);

  // a message: its four main actions stay at the bottom of the screen, above the text
  await page.getByRole('link', { name: /Adressage : M\. Bernard PETIT/ }).tap();
  await page.getByTestId('objet').waitFor();
  const reply = await page.getByRole('link', { name: 'Répondre', exact: true }).boundingBox();
  assert.ok(reply.y > 700, `« Répondre » within the thumb's reach (${reply.y})`);
  await page.context().close();
});

test('a skip link leads keyboard users to the content; a box ticked and a search typed before the page is interactive stay', async () => {
  const page = await (await newContext(run.browser)).newPage();
  await signIn(page, run.webmail.url);
  await waitForHydration(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Aller au contenu' });
  assert.equal(await skip.evaluate((a) => a === document.activeElement), true, 'the first Tab');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement.closest('main') !== null);
  assert.ok(focused, 'the next Tab is inside the content');
  // after moving to another page in place, the focus is on the new content, not lost on the body
  await page.getByRole('link', { name: /Adressage : M\. Bernard PETIT/ }).click();
  await page.getByTestId('objet').waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'contenu');

  // the page as served, ticked by a quick thumb before the WASM arrives (held back here; no
  // service worker, which would answer from its cache before the hold)
  const slow = await (await newContext(run.browser, { serviceWorkers: 'block' })).newPage();
  await signIn(slow, run.webmail.url);
  let release;
  const held = new Promise((r) => { release = r; });
  await slow.route(/\.wasm$/, async (route) => { await held; await route.continue(); });
  await slow.goto(run.webmail.url);
  const first = slow.getByTestId('messages').locator('input.choix').first();
  await first.check();
  // and a search typed meanwhile
  await slow.getByPlaceholder('Rechercher dans les messages').fill('vertiges');
  release();
  await waitForHydration(slow);
  await slow.getByRole('toolbar', { name: 'Actions sur la sélection' }).getByRole('button', { name: 'Marquer non lu' }).waitFor();
  assert.equal(await first.isChecked(), true, 'still ticked once interactive');
  assert.equal(await slow.getByRole('button', { name: 'Marquer non lu' }).isEnabled(), true, 'and the actions know it');
  assert.equal(await slow.getByPlaceholder('Rechercher dans les messages').inputValue(), 'vertiges', 'the search typed is still there');
  await slow.getByRole('button', { name: 'Rechercher' }).click();
  await slow.waitForURL(/texte=vertiges/);
  await page.context().close();
  await slow.context().close();
});

test('what is typed in compose before the page is interactive is kept, saved with the draft, and sent with taps only', async () => {
  const page = await (await newContext(run.browser, { ...PHONE, serviceWorkers: 'block' })).newPage();
  const problems = watchProblems(page, run.webmail.url);
  await signIn(page, run.webmail.url);
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route(/\.wasm$/, async (route) => { await held; await route.continue(); });
  await page.goto(`${run.webmail.url}/ecrire`);
  const subject = `Visite du matin ${Date.now()}`;
  await page.getByLabel('Objet').fill(subject);
  await page.getByLabel('À', { exact: true }).fill(MARC);
  await page.getByLabel('Message', { exact: true }).fill('Tension 13/8.');
  release();
  await waitForHydration(page);
  await page.getByTestId('etat-brouillon').filter({ hasText: 'Brouillon enregistré' }).waitFor();
  assert.equal(await page.getByLabel('Objet').inputValue(), subject);
  // the address typed in « À » became its chip
  await page.getByTestId('puce').filter({ hasText: MARC }).waitFor();
  assert.equal(await page.locator('.puce.refusee').count(), 0);
  assert.equal(await page.getByLabel('À', { exact: true }).inputValue(), '');
  assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'Tension 13/8.');
  assert.equal(await page.getByRole('heading', { name: subject }).count(), 1, 'the page knows it, not just the field');
  // « Envoyer » is in reach
  const send = page.getByRole('button', { name: 'Envoyer', exact: true });
  const box = await send.boundingBox();
  assert.ok(box.y >= 0 && box.y + box.height <= 780, `« Envoyer » on the screen without scrolling (${box.y})`);
  await send.tap();
  await page.getByTestId('envoye').waitFor();
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('the pages loaded on demand bring their stylesheet: not in the first load, there before they show, in the head when served directly', async () => {
  const page = await (await newContext(run.browser, PHONE)).newPage();
  const problems = watchProblems(page, run.webmail.url);
  const sheets = [];
  page.on('request', (r) => { if (/-pages\.[\w-]+\.css$/.test(r.url())) sheets.push(r.url()); });
  await signIn(page, run.webmail.url);
  await waitForHydration(page);
  await page.getByRole('link', { name: /Adressage : M\. Bernard PETIT/ }).click();
  await page.getByTestId('corps').waitFor();
  assert.deepEqual(sheets, [], 'the inbox and a message do without it');
  // whenever a page loaded on demand is on the screen, the stylesheet applies (and the compose
  // form's own rule: on a phone, a padding of .5rem; none without it): never shown unstyled, from
  // the inbox nor from another such page (whose going must not take the stylesheet with it)
  await page.evaluate(() => {
    window.shownUnstyled = [];
    window.shownStyled = 0;
    const check = () => {
      const shown = document.querySelector('.page-a-la-demande:not(.en-attente) > *');
      if (!shown || shown.getClientRects().length === 0) return;
      const applied = [...document.styleSheets].some((sheet) => /-pages\.[\w-]+\.css$/.test(sheet.href ?? ''));
      const form = document.querySelector('.redaction');
      if (applied && (!form || getComputedStyle(form).paddingTop === '8px')) window.shownStyled += 1;
      else window.shownUnstyled.push(location.pathname);
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
  });
  await page.getByRole('link', { name: 'Écrire' }).tap();
  await page.getByRole('button', { name: 'Envoyer' }).waitFor();
  assert.equal(await page.locator('.redaction').evaluate((e) => getComputedStyle(e).paddingTop), '8px');
  await page.getByRole('button', { name: /^Menu/ }).tap();
  await page.getByTestId('parametres').tap();
  await page.locator('.parametres-page').waitFor();
  assert.notEqual(await page.locator('.parametres-page').evaluate((e) => getComputedStyle(e).borderTopStyle), 'none');
  await page.getByRole('button', { name: /^Menu/ }).tap();
  await page.getByTestId('mon-activite').tap();
  await page.waitForURL(/\/boites\/traces$/);
  await page.getByRole('heading', { name: 'Mon activité' }).waitFor();
  const [unstyled, styled] = await page.evaluate(() => [window.shownUnstyled, window.shownStyled]);
  assert.deepEqual(unstyled, [], 'never on the screen unstyled');
  assert.ok(styled > 0, 'seen as they appeared');
  assert.equal(sheets.length, 1, 'fetched once');
  // served directly: in the head, before anything is shown
  const html = await (await page.context().request.get(`${run.webmail.url}/parametres`)).text();
  const head = html.slice(0, html.indexOf('</head>'));
  assert.match(head, /<link[^>]*id="feuille-pages"[^>]*-pages\.[\w-]+\.css/);
  assert.doesNotMatch(html.slice(html.indexOf('</head>')), /feuille-pages"[^>]*rel/, 'the body has no link of its own');
  await page.goto(`${run.webmail.url}/parametres`);
  await waitForHydration(page);
  assert.equal(await page.locator('link#feuille-pages').count(), 1);
  assert.notEqual(await page.locator('.parametres-page').evaluate((e) => getComputedStyle(e).borderTopStyle), 'none');
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('compose: a pasted « Name <address> » list gives one chip per address, « De » follows the mailbox being read, a reply starts in the text', async () => {
  const page = await (await newContext(run.browser, PHONE)).newPage();
  const problems = watchProblems(page, run.webmail.url);
  await signIn(page, run.webmail.url);
  await page.goto(`${run.webmail.url}/?dossier=${encodeURIComponent(`Shared/${ORG}`)}`);
  await page.getByTestId('messages').waitFor();
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Écrire' }).tap();
  const from = page.getByRole('combobox', { name: /^De/ });
  await from.waitFor();
  assert.equal(await from.inputValue(), ORG, 'written from the team mailbox being read');

  const to = page.getByLabel('À', { exact: true });
  await to.focus();
  await page.evaluate((text) => {
    const input = document.activeElement;
    const data = new DataTransfer();
    data.setData('text/plain', text);
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    // what the browser does with an unhandled paste: the text goes in the field
    input.value = text;
    input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste', data: text }));
  }, `Dr Marc GARNIER <${MARC}>; "DUBOIS, Claire" <claire.dubois@hopital-demo.mssante.fr>`);
  const chips = page.getByTestId('puce');
  await chips.nth(1).waitFor();
  assert.deepEqual((await chips.locator('.adresse').allInnerTexts()).map((t) => t.trim()), [MARC, 'claire.dubois@hopital-demo.mssante.fr']);
  assert.equal(await page.locator('.puce.refusee').count(), 0, 'both accepted');
  assert.equal(await to.inputValue(), '');

  // the compose page, on a phone, with the « De » list: nothing wider than the screen, send reachable
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360));
  await page.getByRole('button', { name: 'Supprimer le brouillon' }).tap();
  await page.waitForURL(`${run.webmail.url}/`);

  // a reply: the cursor waits at the top of the text, above the quoted message
  await page.getByRole('link', { name: /Adressage : M\. Bernard PETIT/ }).tap();
  await page.getByRole('link', { name: 'Répondre', exact: true }).tap();
  const text = page.getByLabel('Message', { exact: true });
  await text.waitFor();
  await page.waitForFunction(() => document.activeElement?.name === 'corps');
  assert.equal(await text.evaluate((t) => t.selectionStart), 0);
  await page.getByRole('button', { name: 'Supprimer le brouillon' }).tap();
  await page.waitForURL(`${run.webmail.url}/`);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('a tab closed while its requests run leaves nothing stuck: the next sign-in shows the inbox at once', async () => {
  // closing right after « Supprimer le brouillon » drops the requests of the list it went back to,
  // mid-way through their access traces; a transaction left half done once blocked every page after
  for (let i = 0; i < 3; i++) {
    const page = await (await newContext(run.browser, PHONE)).newPage();
    await signIn(page, run.webmail.url);
    await page.goto(`${run.webmail.url}/?dossier=${encodeURIComponent(`Shared/${ORG}`)}`);
    await waitForHydration(page);
    await page.getByRole('link', { name: 'Écrire' }).tap();
    await page.getByRole('button', { name: 'Supprimer le brouillon' }).tap();
    await page.waitForURL(`${run.webmail.url}/`);
    await page.context().close();
  }
  const page = await (await newContext(run.browser, PHONE)).newPage();
  await signIn(page, run.webmail.url);
  await page.getByTestId('messages').waitFor({ timeout: 10_000 });
  await page.context().close();
});

test('removing a member\'s access can be undone at once', async () => {
  const page = await (await newContext(run.browser)).newPage();
  await signIn(page, run.webmail.url);
  await page.goto(`${run.webmail.url}/boites/membres?boite=${encodeURIComponent(ORG)}`);
  await waitForHydration(page);
  const julien = page.getByTestId('membre').filter({ hasText: 'julien.moreau@' });
  await julien.waitFor();
  const rights = async () => (await julien.locator('input[type=checkbox]').evaluateAll((boxes) => boxes.map((b) => b.checked)));
  const before = await rights();
  await julien.getByRole('button', { name: "Retirer l'accès" }).click();
  await page.getByTestId('acces-retire').waitFor();
  await julien.waitFor({ state: 'detached' });
  await page.getByTestId('acces-retire').getByRole('button', { name: 'Annuler' }).click();
  await julien.waitFor();
  assert.deepEqual(await rights(), before, 'the same rights as before');
  await page.context().close();
});

test('keyboard shortcuts: j/k move through the list, x ticks, Entrée opens, r replies, u returns, / searches, ? lists them; none while typing', async () => {
  const page = await (await newContext(run.browser)).newPage();
  const problems = watchProblems(page, run.webmail.url);
  await signIn(page, run.webmail.url);
  await waitForHydration(page);
  const focusedRow = () => page.evaluate(() => document.activeElement.closest('.message')?.innerText ?? '');
  const rows = page.getByTestId('messages').locator('li');
  await page.keyboard.press('j');
  assert.match(await focusedRow(), /Adressage : M\. Bernard PETIT/);
  await page.keyboard.press('j');
  assert.match(await focusedRow(), /CR d'examens biologiques/);
  await page.keyboard.press('k');
  assert.match(await focusedRow(), /Adressage/);
  await page.keyboard.press('x');
  assert.equal(await rows.first().locator('input.choix').isChecked(), true);
  await page.keyboard.press('x');
  assert.equal(await rows.first().locator('input.choix').isChecked(), false);
  await page.keyboard.press('Enter');
  await page.getByTestId('objet').waitFor();
  await page.keyboard.press('u');
  await page.waitForURL(`${run.webmail.url}/`);
  await rows.first().waitFor();
  await page.keyboard.press('j');
  await page.keyboard.press('o');
  await page.getByTestId('objet').waitFor();
  await page.keyboard.press('r');
  await page.waitForURL(/repondre=/);
  // in the text, keys are text
  await page.waitForFunction(() => document.activeElement?.name === 'corps');
  await page.keyboard.type('ru');
  assert.match(await page.getByLabel('Message', { exact: true }).inputValue(), /^ru/);
  assert.match(page.url(), /repondre=/);
  await page.getByRole('button', { name: 'Supprimer le brouillon' }).click();
  await page.waitForURL(`${run.webmail.url}/`);
  await rows.first().waitFor();

  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'texte');
  await page.keyboard.type('c?');
  assert.equal(await page.getByPlaceholder('Rechercher dans les messages').inputValue(), 'c?');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Raccourcis clavier' });
  await help.waitFor();
  assert.match(await help.innerText(), /r\s+répondre\n/);
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'hidden' });
  await page.keyboard.press('c');
  await page.waitForURL(`${run.webmail.url}/ecrire`);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('on a phone: rows show the start of their text; « Par conversation » groups replies, kept until changed back', async () => {
  const page = await (await newContext(run.browser, PHONE)).newPage();
  const problems = watchProblems(page, run.webmail.url);
  // the bench mailbox: 1 000 messages, every fourth starting a conversation the next three answer
  await signIn(page, run.webmail.url, '10100000058');
  await waitForHydration(page);
  const rows = page.getByTestId('messages').locator(':scope > li');
  await rows.first().waitFor();
  assert.match(await rows.first().locator('.debut-texte').first().innerText(), /^Bonjour, Message de charge n° 1000 \(données fictives\)\./);

  await page.getByTestId('changer-vue').click();
  await page.getByRole('heading', { name: /^Conversations/ }).waitFor();
  assert.equal(await page.getByTestId('changer-vue').innerText(), 'Message par message');
  assert.equal(await rows.count(), 50);
  // 1 000 = 4 × 250: the newest conversation is complete, its three others under it
  const newest = rows.first();
  assert.equal(await newest.locator('.objet .nombre').first().innerText(), '4');
  const others = newest.getByTestId('conversation');
  await others.locator('summary').click();
  assert.deepEqual(await others.locator('li .objet').allInnerTexts().then((t) => t.map((s) => s.match(/n° (\d+)/)[1])), ['999', '998', '997']);
  await page.waitForLoadState('networkidle');
  assert.deepEqual(await violations(page), [], 'accessibility of the conversation list');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${width} px wide on a 360 px screen`);

  // one box stands for the whole conversation: « Suivre » flags its four messages
  await newest.locator('input.choix').check();
  await page.getByRole('toolbar', { name: 'Actions sur la sélection' }).getByRole('button', { name: 'Suivre', exact: true }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=messages] > li:first-child .drapeau').length === 4);
  await newest.locator('input.choix').check();
  await page.getByRole('toolbar', { name: 'Actions sur la sélection' }).getByRole('button', { name: 'Ne plus suivre' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=messages] > li:first-child .drapeau').length === 0);

  // the choice is kept: the list served again is still grouped, until « Message par message »
  await page.goto(run.webmail.url);
  await page.getByRole('heading', { name: /^Conversations/ }).waitFor();
  await page.getByTestId('changer-vue').click();
  await page.getByRole('heading', { name: /^Messages/ }).waitFor();
  assert.equal(await page.getByTestId('messages').locator('.nombre').count(), 0);
  assert.deepEqual(problems, []);
  await page.context().close();
});
