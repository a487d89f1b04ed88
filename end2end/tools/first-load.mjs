// First-load benchmark (scripts/bench-first-load.sh): what a phone downloads, as served, for
// sign-in → inbox → open a message with an empty cache, by resource type; then Lighthouse (mobile
// and desktop) on the sign-in page, the inbox and a message. Prints figures, asserts nothing.
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createRequire } from 'node:module';
import { launchBrowser, newContext, signIn, startWebmail, waitForHydration } from '../tests/harness.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} Ko`;

function kind(url, contentType) {
  const path = new URL(url).pathname;
  if (path.startsWith('/api/')) return 'données (API)';
  if (/wasm/.test(contentType)) return 'wasm';
  if (/javascript/.test(contentType)) return 'js';
  if (/css/.test(contentType)) return 'css';
  if (/html/.test(contentType)) return 'html';
  if (/image/.test(contentType)) return 'icônes';
  return 'autre';
}

/** The body of `url` as the server sends it for `encoding` (compressed, as on the wire). */
function wireBody(url, encoding) {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': encoding } }, (answer) => {
      let length = 0;
      answer.on('data', (chunk) => { length += chunk.length; });
      answer.on('end', () => resolve(length));
    }).on('error', reject);
  });
}

/** Bytes on the wire (compressed bodies and headers) per resource type, from the webmail only:
 * the pages' requests and the service worker's (it fetches the application shell in the
 * background); an answer the worker gave from its cache cost nothing on the network. */
async function journey(browser, webmail) {
  const context = await newContext(browser, PHONE);
  const page = await context.newPage();
  const steps = {};
  let step = 'connexion';
  context.on('requestfinished', async (request) => {
    if (!request.url().startsWith(webmail.url)) return;
    const response = await request.response().catch(() => null);
    if (!response || response.fromServiceWorker()) return;
    const sizes = await request.sizes().catch(() => null);
    const type = kind(request.url(), response.headers()['content-type'] ?? '');
    let body = sizes?.responseBodySize ?? 0;
    // Chromium reports no body for the service worker's own script (sent by the network, headers
    // counted): its body as the server sends it, asked again the same way. (A revalidated file
    // reports no body either, rightly: the 304 had none.)
    if (new URL(request.url()).pathname === '/sw.js' && body === 0 && response.status() === 200) {
      body = await wireBody(request.url(), (await request.allHeaders())['accept-encoding'] ?? 'gzip, deflate, br');
    }
    const bytes = sizes ? body + sizes.responseHeadersSize : 0;
    (steps[step] ??= {})[type] = (steps[step][type] ?? 0) + bytes;
  });
  await page.goto(webmail.url);
  await page.waitForLoadState('networkidle');
  // while the user signs in at PSC, the service worker fetches the shell
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForTimeout(500);
  step = 'boîte de réception';
  await signIn(page, webmail.url);
  await waitForHydration(page);
  step = 'message ouvert';
  await page.getByRole('link', { name: /Adressage : M\. Bernard PETIT/ }).click();
  await page.getByTestId('corps').waitFor();
  // once shown, the message is marked read, and the unread counts are asked again: part of opening it
  await page.waitForResponse((r) => new URL(r.url()).pathname === '/api/dossiers', { timeout: 10_000 }).catch(() => {});
  await page.waitForLoadState('networkidle');
  const cookie = (await context.cookies(webmail.url)).filter((c) => c.name === 'mss_session').map((c) => `${c.name}=${c.value}`).join('; ');
  const message = page.url();
  await context.close();
  return { steps, cookie, message };
}

/** On the throttled phone (150 ms RTT, 1.6 Mbit/s, CPU 4× slower), milliseconds from the
 * navigation to the inbox until its first paint and until it is interactive (the page's
 * 'interactive' mark, set once hydration is done): with the service worker installed at sign-in
 * (the usual case), and on a first visit without it (nothing cached). Median of `runs`. */
async function interactive(browser, webmail, cookie, installed, runs = 5) {
  const context = await newContext(browser, { ...PHONE, serviceWorkers: installed ? 'allow' : 'block' });
  const at = cookie.indexOf('=');
  const [name, value] = [cookie.slice(0, at), cookie.slice(at + 1)];
  await context.addCookies([{ name, value, url: webmail.url }]);
  const page = await context.newPage();
  if (installed) {
    await page.goto(webmail.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => performance.getEntriesByName('interactive').length > 0);
  }
  const slow = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 };
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', slow);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  if (installed) {
    // the pages go through the service worker, whose requests the page's emulation does not
    // slow down: the worker's own target is throttled the same way
    const root = await browser.newBrowserCDPSession();
    const { targetInfos } = await root.send('Target.getTargets');
    const workers = targetInfos.filter((t) => t.type === 'service_worker' && t.url.startsWith(webmail.url));
    if (workers.length === 0) throw new Error('no service worker to throttle');
    for (const worker of workers) {
      const { sessionId } = await root.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false });
      let id = 0;
      const send = (method, params) => root.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: ++id, method, params }) });
      await send('Network.enable', {});
      await send('Network.emulateNetworkConditions', slow);
    }
  }
  const painted = [];
  const ready = [];
  for (let i = 0; i < runs; i++) {
    if (!installed) await cdp.send('Network.clearBrowserCache');
    await page.goto(webmail.url);
    await page.waitForFunction(() => performance.getEntriesByName('interactive').length > 0, null, { timeout: 60000 });
    const [fcp, tti] = await page.evaluate(() => [
      performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0,
      performance.getEntriesByName('interactive')[0].startTime,
    ]);
    painted.push(fcp);
    ready.push(tti);
  }
  await context.close();
  const median = (values) => Math.round(values.sort((a, b) => a - b)[Math.floor(values.length / 2)]);
  return `affichée ${median(painted)} ms, interactive ${median(ready)} ms (médianes de ${runs})`;
}

async function lighthouse(url, cookie, formFactor) {
  const require = createRequire(new URL('../../tools/lighthouse/', import.meta.url));
  const { default: run } = await import(require.resolve('lighthouse'));
  const chromeLauncher = await import(require.resolve('chrome-launcher'));
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const desktop = formFactor === 'desktop';
    const flags = {
      port: chrome.port, output: 'json', logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
      formFactor,
      screenEmulation: desktop ? { mobile: false, width: 1350, height: 940, deviceScaleFactor: 1, disabled: false } : undefined,
      throttlingMethod: 'simulate',
      ...(cookie ? { extraHeaders: { Cookie: cookie } } : {}),
    };
    const config = desktop ? (await import(require.resolve('lighthouse/core/config/desktop-config.js'))).default : undefined;
    // Lighthouse sometimes loses the trace (NO_NAVSTART): the run is made again, three times at most
    let lhr;
    for (let attempt = 0; attempt < 3 && (!lhr || lhr.runtimeError); attempt++) lhr = (await run(url, flags, config)).lhr;
    // LIGHTHOUSE_REPORTS=<folder>: the whole reports, to see what a score is made of
    if (process.env.LIGHTHOUSE_REPORTS) {
      const file = `${process.env.LIGHTHOUSE_REPORTS}/${new URL(url).pathname.replace(/\W+/g, '_') || 'racine'}-${cookie ? 'connecte' : 'anonyme'}-${formFactor}.json`;
      writeFileSync(file, JSON.stringify(lhr));
    }
    const score = (c) => Math.round((lhr.categories[c]?.score ?? 0) * 100);
    const ms = (a) => Math.round(lhr.audits[a]?.numericValue ?? 0);
    return `performance ${score('performance')}, accessibilité ${score('accessibility')}, bonnes pratiques ${score('best-practices')}`
      + ` · LCP ${ms('largest-contentful-paint')} ms, TBT ${ms('total-blocking-time')} ms, CLS ${(lhr.audits['cumulative-layout-shift']?.numericValue ?? 0).toFixed(3)}`;
  } finally {
    await chrome.kill();
  }
}

const browser = await launchBrowser();
const webmail = await startWebmail(8081);
try {
  const { steps, cookie, message } = await journey(browser, webmail);
  console.log('Octets transférés (compressés, en-têtes compris), cache vide, téléphone 390 px :');
  let total = 0;
  for (const [name, types] of Object.entries(steps)) {
    const sum = Object.values(types).reduce((a, b) => a + b, 0);
    total += sum;
    console.log(`  ${name.padEnd(20)} ${kib(sum).padStart(10)}   ${Object.entries(types).map(([t, b]) => `${t} ${kib(b)}`).join(' · ')}`);
  }
  console.log(`  ${'total'.padEnd(20)} ${kib(total).padStart(10)}   (objectif : 250 Ko)`);
  console.log('Boîte de réception sur le téléphone bridé (150 ms, 1,6 Mbit/s, processeur 4× plus lent) :');
  console.log(`  service worker installé   ${await interactive(browser, webmail, cookie, true)}`);
  console.log(`  sans service worker, cache vide   ${await interactive(browser, webmail, cookie, false)}`);
  if (process.env.LIGHTHOUSE !== '0') {
    console.log('Lighthouse 12 (Chromium de Debian) :');
    for (const [name, url, withCookie] of [['connexion', webmail.url, false], ['boîte de réception', `${webmail.url}/`, true], ['message', message, true]]) {
      for (const formFactor of ['mobile', 'desktop']) {
        console.log(`  ${name.padEnd(20)} ${formFactor.padEnd(8)} ${await lighthouse(url, withCookie ? cookie : '', formFactor)}`);
      }
    }
  }
} finally {
  await browser.close();
  await webmail.stop();
}
