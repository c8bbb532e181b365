// Weir's own version, read once from package.json (the CLI's `version` verb, the server's /api/v1/version and
// its metrics label all print it).
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The `version` field of Weir's package.json. */
export function packageVersion(): string {
  if (cached === undefined) {
    const url = new URL('../../../package.json', import.meta.url);
    cached = (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  }
  return cached;
}
