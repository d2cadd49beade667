// The three browser engines, each driven the way it is driven best here, behind one small
// interface: `open(url)` loads a page, `evaluate(source)` runs an async expression in it and
// returns its JSON value, `close()` ends the browser.
//
//   Chromium  Debian's `chromium`, with playwright-core (CDP).
//   Firefox   Debian's `firefox-esr`, with puppeteer-core over WebDriver BiDi.
//   WebKit    Debian's `webkit2gtk-driver`: `WebKitWebDriver` drives MiniBrowser over plain
//             WebDriver HTTP; it needs a display, so it runs under `xvfb-run -a` when there is
//             none (the new-session request hangs without one: it has a timeout).
//
// `findEngines()` says for each engine whether it can run here, and if not, why.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const SESSION_TIMEOUT_MS = 30_000;

function which(name) {
  try {
    return execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function firstExisting(paths) {
  return paths.find((path) => path && existsSync(path));
}

async function hasModule(name) {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every engine with `available: true` and a `launch()`, or `available: false` and the reason.
 * `MTOM_BROWSERS=chromium,firefox` limits the list (the others are reported as not selected).
 */
export async function findEngines() {
  const selected = process.env.MTOM_BROWSERS?.split(',').map((name) => name.trim().toLowerCase());
  const engines = [];
  const add = (name, reason, launch) => {
    if (selected && !selected.includes(name)) reason = `not selected (MTOM_BROWSERS=${process.env.MTOM_BROWSERS})`;
    engines.push(reason ? { name, available: false, reason } : { name, available: true, launch });
  };

  const chromium = firstExisting([
    process.env.CHROMIUM_PATH,
    which('chromium'),
    which('chromium-browser'),
    '/usr/bin/chromium',
  ]);
  if (!chromium) add('chromium', 'no chromium executable (apt-get install chromium)');
  else if (!(await hasModule('playwright-core'))) add('chromium', 'playwright-core is not installed');
  else add('chromium', undefined, () => launchChromium(chromium));

  const firefox = firstExisting([
    process.env.FIREFOX_PATH,
    which('firefox-esr'),
    '/usr/bin/firefox-esr',
    which('firefox'),
  ]);
  if (!firefox) add('firefox', 'no firefox-esr executable (apt-get install firefox-esr)');
  else if (!(await hasModule('puppeteer-core'))) add('firefox', 'puppeteer-core is not installed');
  else add('firefox', undefined, () => launchFirefox(firefox));

  const driver = which('WebKitWebDriver');
  if (!driver) add('webkit', 'no WebKitWebDriver executable (apt-get install webkit2gtk-driver)');
  else if (!existsSync(MINIBROWSER)) add('webkit', `no MiniBrowser at ${MINIBROWSER} (webkit2gtk-driver)`);
  else if (!process.env.DISPLAY && !which('xvfb-run'))
    add('webkit', 'no display and no xvfb-run (apt-get install xvfb xauth)');
  else add('webkit', undefined, () => launchWebKit(driver));
  return engines;
}

async function launchChromium(executablePath) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    // The HTTP/2 test server's certificate is made for the run (run.mjs): accept it.
    args: [
      '--ignore-certificate-errors',
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // The streaming upload to HTTP/1.1 is refused on purpose (run.mjs checks how); Chromium logs it.
    if (message.type() === 'error' && !message.text().includes('ERR_ALPN_NEGOTIATION_FAILED'))
      errors.push(`console: ${message.text()}`);
  });
  return {
    version: `Chromium ${browser.version()}`,
    errors,
    open: (url) => page.goto(url).then(() => undefined),
    evaluate: (source) => page.evaluate(source),
    close: () => browser.close(),
  };
}

async function launchFirefox(executablePath) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath,
    headless: true,
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return {
    version: `Firefox ${(await browser.version()).replace(/^firefox\//i, '')}`,
    errors,
    open: (url) => page.goto(url).then(() => undefined),
    evaluate: (source) => page.evaluate(source),
    close: () => browser.close(),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** WebKitGTK's MiniBrowser through WebKitWebDriver, over the W3C WebDriver HTTP protocol. */
async function launchWebKit(driverPath) {
  const port = await freePort();
  const command = process.env.DISPLAY
    ? [driverPath, `--port=${port}`]
    : ['xvfb-run', '-a', driverPath, `--port=${port}`];
  // Its own process group, so closing ends xvfb-run, the driver and the browser together.
  const driver = spawn(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let driverLog = '';
  driver.stderr.on('data', (data) => {
    driverLog = (driverLog + data).slice(-2000);
  });
  const stop = () => {
    try {
      process.kill(-driver.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body, timeoutMs = 120_000) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const { value } = await response.json();
    if (value && typeof value === 'object' && 'error' in value)
      throw new Error(`WebDriver ${path}: ${value.error}: ${value.message}`);
    return value;
  };
  try {
    // The driver listens a moment after it starts.
    for (let attempt = 0; ; attempt++) {
      try {
        await call('GET', '/status', undefined, 1000);
        break;
      } catch (error) {
        if (attempt > 50) throw new Error(`WebKitWebDriver did not start: ${error.message}\n${driverLog}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const capabilities = {
      alwaysMatch: {
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
      },
    };
    const session = await call('POST', '/session', { capabilities }, SESSION_TIMEOUT_MS).catch((error) => {
      throw new Error(`WebKit new session failed (is there a display? xvfb-run -a): ${error.message}\n${driverLog}`);
    });
    const id = session.sessionId;
    await call('POST', `/session/${id}/timeouts`, { script: 300_000, pageLoad: 60_000 });
    return {
      version: `WebKitGTK ${session.capabilities.browserVersion}`,
      errors: [],
      open: (url) => call('POST', `/session/${id}/url`, { url }),
      async evaluate(source) {
        // An async script: the last argument is the callback (WebDriver §13.2.2).
        const script =
          `const done = arguments[arguments.length - 1];` +
          `Promise.resolve().then(() => (${source})).then((value) => done({ value }), ` +
          `(error) => done({ error: String(error && error.stack || error) }));`;
        const result = await call('POST', `/session/${id}/execute/async`, { script, args: [] }, 320_000);
        if (result && 'error' in result) throw new Error(`in the page: ${result.error}`);
        return result?.value;
      },
      async close() {
        await call('DELETE', `/session/${id}`, undefined, 10_000).catch(() => {});
        stop();
      },
    };
  } catch (error) {
    stop();
    throw error;
  }
}
