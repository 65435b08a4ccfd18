/**
 * Hides the password in a database connection string so it can appear in errors and diagnostics.
 *
 * Handles URLs (`postgres://user:secret@host/db`, also when the password itself holds `@`, `/` or `:`), password
 * query parameters (`?password=…`, `&sslpassword=…`) and libpq keyword/value strings (`host=… password=…`). When in
 * doubt it masks too much rather than too little.
 */
export const MASK = '***';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const PASSWORD_PARAMETER = /([?&;](?:ssl)?password=)[^&#]*/gi;
const KEYWORD_PASSWORD = /(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi;

export function maskUrl(url: string, mask = MASK): string {
  const scheme = SCHEME.exec(url);
  if (scheme === null) return url.replace(KEYWORD_PASSWORD, `$1${mask.replace(/\$/g, '$$$$')}`);

  const afterScheme = url.slice(scheme[0].length);
  // The host cannot contain '@', so the last '@' ends the user info even when an unencoded password contains one.
  const at = afterScheme.lastIndexOf('@');
  let masked = url;
  if (at >= 0) {
    const userInfo = afterScheme.slice(0, at);
    const colon = userInfo.indexOf(':');
    if (colon >= 0) {
      masked = `${scheme[0]}${userInfo.slice(0, colon + 1)}${mask}${afterScheme.slice(at)}`;
    }
  }
  return masked.replace(PASSWORD_PARAMETER, `$1${mask.replace(/\$/g, '$$$$')}`);
}

/** Masks every connection string found inside free text, e.g. a driver message that quotes the URL it was given. */
export function maskUrlsIn(text: string): string {
  return text
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, (candidate) => maskUrl(candidate))
    .replace(KEYWORD_PASSWORD, `$1${MASK}`);
}
