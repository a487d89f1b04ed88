// Renders public/icone.svg as the PNG icons the manifest lists (run again after changing it):
//   node end2end/tools/icons.mjs
import { readFileSync } from 'node:fs';
import { launchBrowser } from '../tests/harness.mjs';

const svg = readFileSync(new URL('../../public/icone.svg', import.meta.url), 'utf8');
const browser = await launchBrowser();
for (const size of [192, 512]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(`<body style="margin:0">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body>`);
  await page.screenshot({ path: new URL(`../../public/icone-${size}.png`, import.meta.url).pathname });
  await page.close();
}
await browser.close();
