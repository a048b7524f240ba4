import { existsSync } from 'node:fs';

/** Where Debian's `chromium` package (and others) put the browser; CHROMIUM_PATH wins. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/**
 * The Chromium the browser tests drive (playwright-core brings no browser of its own). Missing is a
 * failure that says what to install — browser tests never skip.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist: point it at a Chromium or Chrome binary`);
    return configured;
  }
  const found = CANDIDATES.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `no Chromium found (looked for ${CANDIDATES.join(', ')}): install it with \`sudo apt-get install -y chromium\` (Debian/Ubuntu) or set CHROMIUM_PATH to a Chromium/Chrome binary`,
    );
  }
  return found;
}
