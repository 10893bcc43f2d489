// Example / smoke proof of the OIDC authorization-code + PKCE flow against the
// glewlwyd started by tests/oidc/test_provider.sh, driven through a real
// Chromium. Starts nothing itself.
//
//   ISSUER=... CLIENT_ID=... CLIENT_SECRET=... REDIRECT_URI=... \
//   USERNAME=... PASSWORD=... node tests/oidc/prove_flow.mjs
//
// Prints the verified id_token payload as JSON on stdout; progress on stderr.
// Nothing needs to listen on REDIRECT_URI: the browser's navigation there is
// intercepted with page.route().
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const consoleDir = process.env.PLAYWRIGHT_FROM || path.resolve(here, '../../clients/console/');
const require = createRequire(consoleDir + '/');
const { chromium } = require('playwright-core');

const env = (k) => {
  const v = process.env[k];
  if (!v) { console.error(`prove_flow: missing env ${k}`); process.exit(2); }
  return v;
};
const ISSUER = env('ISSUER').replace(/\/+$/, '');
const CLIENT_ID = env('CLIENT_ID');
const CLIENT_SECRET = env('CLIENT_SECRET');
const REDIRECT_URI = env('REDIRECT_URI');
const USERNAME = env('USERNAME');
const PASSWORD = env('PASSWORD');
const TIMEOUT_MS = Number(process.env.FLOW_TIMEOUT_MS || 30000);
const log = (...a) => console.error('[prove_flow]', ...a);

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const decodeSeg = (seg) => JSON.parse(Buffer.from(seg, 'base64url').toString('utf8'));

// 1. discovery
const discovery = await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json();
if (discovery.issuer !== ISSUER) throw new Error(`issuer mismatch: ${discovery.issuer} != ${ISSUER}`);
log('discovery ok:', discovery.authorization_endpoint, discovery.token_endpoint);

// 2. PKCE S256, state, nonce
const codeVerifier = b64url(crypto.randomBytes(32));
const codeChallenge = b64url(crypto.createHash('sha256').update(codeVerifier).digest());
const state = b64url(crypto.randomBytes(16));
const nonce = b64url(crypto.randomBytes(16));
const authUrl = new URL(discovery.authorization_endpoint);
authUrl.search = new URLSearchParams({
  response_type: 'code',
  client_id: CLIENT_ID,
  redirect_uri: REDIRECT_URI,
  scope: 'openid profile',
  state,
  nonce,
  code_challenge: codeChallenge,
  code_challenge_method: 'S256',
}).toString();

// 3. browser
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
  headless: true,
});
let callbackUrl;
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => log('page error:', e.message));
  let resolveCallback;
  const gotCallback = new Promise((r) => { resolveCallback = r; });
  // The hop to REDIRECT_URI is the Location of a 302 from the auth endpoint.
  // Playwright's route() does not see redirect hops, so watch 'request'
  // events (they do fire for redirects); route() additionally answers a
  // direct navigation so nothing has to listen on REDIRECT_URI.
  const isCallback = (u) => u.startsWith(REDIRECT_URI);
  context.on('request', (req) => { if (isCallback(req.url())) resolveCallback(req.url()); });
  await context.route((u) => isCallback(u.href), async (route) => {
    resolveCallback(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback intercepted' });
  });

  log('goto', authUrl.href);
  await page.goto(authUrl.href);
  // glewlwyd 302s to <base>/login.html?...&callback_url=<auth url>; the page
  // is a React app, wait until the password form is rendered.
  await page.locator('#username').waitFor({ state: 'visible', timeout: TIMEOUT_MS });
  log('login page:', page.url().split('?')[0]);
  await page.fill('#username', USERNAME);
  await page.fill('#password', PASSWORD);
  await page.click('#loginbut');

  // After a valid password the login page does NOT redirect by itself: it
  // shows the user card with a "Continue" button (scopes are pre-granted by
  // test_provider.sh, so there is no consent step). Click it.
  const deadline = Date.now() + TIMEOUT_MS;
  while (!callbackUrl) {
    callbackUrl = await Promise.race([gotCallback, new Promise((r) => setTimeout(() => r(undefined), 250))]);
    if (callbackUrl) break;
    if (Date.now() > deadline) {
      await page.screenshot({ path: process.env.FLOW_SCREENSHOT || '/tmp/prove_flow-timeout.png' }).catch(() => {});
      throw new Error(`no redirect to ${REDIRECT_URI} within ${TIMEOUT_MS} ms; page at ${page.url()}`);
    }
    // wrong password: a toast (div.toast > .toast-body) "Authentication error"
    const toasts = (await page.locator('.toast-body').allTextContents().catch(() => [])).map((t) => t.trim()).filter(Boolean);
    if (toasts.some((t) => /authentication error/i.test(t))) {
      throw new Error(`login rejected by glewlwyd: ${toasts.join(' | ')}`);
    }
    // Logged in, scopes granted: the card shows a green "Continue" button
    // (button.btn-success) that navigates to <callback_url>&g_continue.
    const cont = page.locator('button.btn-success:has-text("Continue")');
    if (await cont.first().isVisible().catch(() => false)) {
      log('clicking "Continue"');
      await cont.first().click().catch(() => {});
    }
  }
} finally {
  await browser.close();
}
log('redirected to', callbackUrl);

// 4. code -> tokens (client_secret_basic)
const cb = new URL(callbackUrl);
if (cb.searchParams.get('error')) throw new Error(`authorization error: ${cb.search}`);
if (cb.searchParams.get('state') !== state) throw new Error('state mismatch');
const code = cb.searchParams.get('code');
if (!code) throw new Error(`no code in ${callbackUrl}`);
const basic = Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64');
const tokenResp = await fetch(discovery.token_endpoint, {
  method: 'POST',
  headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: codeVerifier,
  }).toString(),
});
const tokens = await tokenResp.json();
if (!tokenResp.ok || !tokens.id_token) throw new Error(`token endpoint ${tokenResp.status}: ${JSON.stringify(tokens)}`);
log('token response keys:', Object.keys(tokens).join(','));

// 5. id_token: verify RS256 signature against jwks_uri, then claims
const [h, p, s] = tokens.id_token.split('.');
const header = decodeSeg(h);
const payload = decodeSeg(p);
const jwks = await (await fetch(discovery.jwks_uri)).json();
const jwk = jwks.keys.find((k) => !header.kid || k.kid === header.kid) || jwks.keys[0];
const pub = crypto.createPublicKey({ key: jwk, format: 'jwk' });
const sigOk = crypto.verify('sha256', Buffer.from(`${h}.${p}`), pub, Buffer.from(s, 'base64url'));
if (header.alg !== 'RS256' || !sigOk) throw new Error(`bad id_token signature (alg ${header.alg}, ok ${sigOk})`);
const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
if (payload.iss !== ISSUER) throw new Error(`iss ${payload.iss}`);
if (!aud.includes(CLIENT_ID)) throw new Error(`aud ${payload.aud}`);
if (payload.nonce !== nonce) throw new Error('nonce mismatch');
if (!(payload.exp > Date.now() / 1000)) throw new Error('expired');
log('id_token header:', JSON.stringify(header), 'signature verified');
console.log(JSON.stringify(payload, null, 2));
