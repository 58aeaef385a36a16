/** What a masked secret shows instead of its value (the same length whatever the secret). */
export const MASK = '********';

/**
 * Option names that hold a secret, by rule rather than by list so that options added later
 * (an app's `secret`, a webhook `token`) are masked without anyone remembering to.
 */
const SECRET_NAME = /secret|passw(or)?d|token|credential|private|api_?key/i;

/** Key material pasted in as text (PEM), whatever the option's name. */
const KEY_MATERIAL = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** `scheme://` at the start: a URL that may carry credentials. */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A copy of a configuration (or any JSON value) with every secret replaced by {@link MASK}:
 * values of options whose name looks secret (`secretKey`, `admin.password`, `*.token`...), key
 * material, and the credentials and secret-named query parameters inside URLs (`adapter.url`).
 * Empty values stay empty, so that "not set" still shows.
 */
export function maskSecrets(value: unknown, name = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, name));
  if (value !== null && typeof value === 'object') {
    // Everything inside a secret-named object (`credentials: {...}`) is secret too.
    const inherited = SECRET_NAME.test(name);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskSecrets(item, inherited ? name : key)]));
  }
  if (value === '' || value === null || value === undefined) return value;
  if (SECRET_NAME.test(name)) return MASK;
  if (typeof value !== 'string') return value;
  if (KEY_MATERIAL.test(value)) return MASK;
  return URL_LIKE.test(value) ? maskUrl(value) : value;
}

/** A URL with its password (or a user that stands alone, a token) and secret parameters masked. */
function maskUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  let masked = false;
  if (url.password !== '') {
    url.password = MASK;
    masked = true;
  } else if (url.username !== '') {
    url.username = MASK;
    masked = true;
  }
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_NAME.test(key)) {
      url.searchParams.set(key, MASK);
      masked = true;
    }
  }
  // Untouched URLs are shown exactly as written (new URL would normalise them).
  return masked ? url.toString() : text;
}
