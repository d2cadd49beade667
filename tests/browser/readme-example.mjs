// The README's browser example, taken from the README itself: the ```html block that follows the
// marker comment. run.mjs serves it as a page (with the package at ./node_modules/mtom-stream/,
// where the example imports it from) and drives it as a user would: choose a file, wait.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytes } from './scenarios.mjs';

/** Where the example is looked for, in order. */
export const README_SOURCES = ['README.md'];
export const MARKER = '<!-- example: browser-upload -->';

const FILE = { name: 'scan.pdf', type: 'application/pdf', size: 16 * 1024 * 1024 + 7, seed: 31 };

/** The bytes of the file the driver chooses (the same in the page). */
export function exampleBytes() {
  return bytes(FILE.size, FILE.seed);
}

/** Collects console.log lines and errors before the example runs; a page of its own, not the example. */
const HARNESS = `<script>
  window.__log = [];
  window.__errors = [];
  const log = console.log.bind(console);
  console.log = (...args) => { window.__log.push(args.map(String).join(' ')); log(...args); };
  addEventListener('error', (event) => window.__errors.push(String(event.message)));
  addEventListener('unhandledrejection', (event) => window.__errors.push(String(event.reason?.stack ?? event.reason)));
</script>`;

/** An async expression for the page: choose the file, wait for the example's log line. */
const DRIVER = `(async () => {
  const bytes = ${bytes.toString()};
  const file = new File([bytes(${FILE.size}, ${FILE.seed})], ${JSON.stringify(FILE.name)}, { type: ${JSON.stringify(FILE.type)} });
  const input = document.querySelector('#file');
  const progress = document.querySelector('#progress');
  const progressSeen = [];
  new MutationObserver((records) => records.forEach(() => progressSeen.push(progress.value))).observe(progress, { attributes: true, attributeFilter: ['value'] });
  const transfer = new DataTransfer();
  transfer.items.add(file);
  input.files = transfer.files;
  input.dispatchEvent(new Event('change'));
  const until = Date.now() + 60000;
  while (window.__log.length === 0 && window.__errors.length === 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { log: window.__log, errors: window.__errors, progress: progress.value, progressSeen };
})()`;

/** The page: the harness, then the example exactly as the README has it. */
export async function examplePage(root) {
  const tried = [];
  for (const source of README_SOURCES) {
    const text = await readFile(join(root, source), 'utf8').catch(() => '');
    const at = text.indexOf(MARKER);
    const block = at < 0 ? null : /^```html\n([\s\S]*?)\n```/m.exec(text.slice(at + MARKER.length));
    if (block) {
      const html = `<!doctype html>\n<meta charset="utf-8">\n<title>README example</title>\n${HARNESS}\n${block[1]}\n`;
      return { source, html, driver: DRIVER, fileName: FILE.name, fileType: FILE.type };
    }
    tried.push(source);
  }
  const error = `no \`\`\`html block after ${MARKER} in ${tried.join(' or ')}`;
  return { error, html: `<!doctype html><p>${error}</p>`, driver: 'null' };
}
