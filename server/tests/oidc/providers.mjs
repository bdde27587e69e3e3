// The OpenID providers the SSO tests talk to, on loopback (ports chosen by the system):
//
// - `provider`: a certified OpenID provider (panva's oidc-provider) with its
//   development login and consent pages: any login name signs in as the account of
//   that name, whose claims come from ACCOUNTS. What a real company's provider does.
// - `forger`: a provider that answers discovery, keys, token and user info, and signs
//   whatever a refusal test asks for (with jose): the code it is given names the case
//   and the nonce, e.g. an ID token for another audience, expired, signed by a key it
//   never published, or with `alg: none`. A real provider never sends those; an
//   attacker in the middle, or a broken provider, would.
//
// Environment: REDIRECT_URIS (comma-separated, the Purser callbacks the client may use),
// ACCOUNTS (JSON: login → {email, email_verified, name, groups}). Prints one JSON line
// with both issuers, then serves until killed.

import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const CLIENT_ID = 'purser';
const CLIENT_SECRET = 'purser-test-secret';
const redirectUris = (process.env.REDIRECT_URIS || '').split(',').filter(Boolean);
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');

function listen(handler) {
  return new Promise((resolve) => {
    const server = http.createServer(handler);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ---- the certified provider ----
const providerServer = await listen();
const providerIssuer = `http://127.0.0.1:${providerServer.address().port}`;
const signingKey = await jose.generateKeyPair('RS256', { extractable: true });
const provider = new Provider(providerIssuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [{ ...(await jose.exportJWK(signingKey.privateKey)), kid: 'test-1', alg: 'RS256', use: 'sig' }] },
  cookies: { keys: ['purser-oidc-test-cookies'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(_ctx, id) {
    const known = accounts[id] || {
      email: `${id}@example.com`,
      email_verified: true,
      name: id,
      groups: [],
    };
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...known };
      },
    };
  },
});
// The development pages import a web font; the tests' machines reach no other site, and
// a page that fails to load something fails the browser tests.
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.type === 'text/html') {
    ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);?/g, '');
  }
});
providerServer.on('request', provider.callback());

// ---- the forger ----
const forgerServer = await listen();
const forgerIssuer = `http://127.0.0.1:${forgerServer.address().port}`;
const published = await jose.generateKeyPair('RS256', { extractable: true });
const rotatedIn = await jose.generateKeyPair('RS256', { extractable: true });
const neverPublished = await jose.generateKeyPair('RS256', { extractable: true });
let rotated = false;

async function jwk(pair, kid) {
  return { ...(await jose.exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function idToken(caseName, nonce) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: forgerIssuer,
    sub: `forged-${caseName}`,
    aud: CLIENT_ID,
    iat: now,
    exp: now + 300,
    nonce,
    email: `forged-${caseName}@example.com`,
    email_verified: true,
    name: `Forged ${caseName}`,
  };
  let key = published.privateKey;
  let kid = 'published';
  switch (caseName) {
    case 'good':
      break;
    case 'other-audience':
      claims.aud = 'someone-else';
      break;
    case 'extra-audience':
      claims.aud = [CLIENT_ID, 'someone-else'];
      break;
    case 'other-azp':
      claims.azp = 'someone-else';
      break;
    case 'expired':
      claims.iat = now - 3600;
      claims.exp = now - 600;
      break;
    case 'future':
      claims.iat = now + 3600;
      break;
    case 'wrong-nonce':
      claims.nonce = 'not-the-nonce-purser-sent';
      break;
    case 'no-nonce':
      delete claims.nonce;
      break;
    case 'other-issuer':
      claims.iss = 'https://attacker.example.com';
      break;
    case 'unverified-email':
      claims.email_verified = false;
      break;
    case 'unknown-key':
      key = neverPublished.privateKey;
      kid = 'never-published';
      break;
    case 'rotated':
      rotated = true;
      key = rotatedIn.privateKey;
      kid = 'rotated-in';
      break;
    case 'alg-none': {
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    }
    case 'hmac': {
      // HS256 keyed with the client secret: valid to anyone who knows the secret, so
      // never accepted.
      return new jose.SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode(CLIENT_SECRET));
    }
    default:
      throw new Error(`unknown case ${caseName}`);
  }
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);
}

forgerServer.on('request', async (req, res) => {
  const url = new URL(req.url, forgerIssuer);
  try {
    if (url.pathname === '/.well-known/openid-configuration') {
      // `?issuer=mismatch` is served from another path: see below.
      return json(res, 200, {
        issuer: forgerIssuer,
        authorization_endpoint: `${forgerIssuer}/authorize`,
        token_endpoint: `${forgerIssuer}/token`,
        userinfo_endpoint: `${forgerIssuer}/userinfo`,
        jwks_uri: `${forgerIssuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (url.pathname === '/mismatch/.well-known/openid-configuration') {
      // A discovery document that names another issuer than the URL it was read from.
      return json(res, 200, {
        issuer: 'https://login.example.com',
        authorization_endpoint: `${forgerIssuer}/authorize`,
        token_endpoint: `${forgerIssuer}/token`,
        jwks_uri: `${forgerIssuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (url.pathname === '/implicit-only/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: `${forgerIssuer}/implicit-only`,
        authorization_endpoint: `${forgerIssuer}/authorize`,
        token_endpoint: `${forgerIssuer}/token`,
        jwks_uri: `${forgerIssuer}/jwks`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (url.pathname === '/redirects/.well-known/openid-configuration') {
      res.writeHead(302, { location: `${forgerIssuer}/.well-known/openid-configuration` });
      return res.end();
    }
    if (url.pathname === '/jwks') {
      const keys = [await jwk(published, 'published')];
      if (rotated) keys.push(await jwk(rotatedIn, 'rotated-in'));
      return json(res, 200, { keys });
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      // The code is the case and the nonce, as the test wrote it.
      const { case: caseName, nonce } = JSON.parse(
        Buffer.from(form.get('code') || '', 'base64url').toString() || '{}',
      );
      if (!caseName) return json(res, 400, { error: 'invalid_grant' });
      return json(res, 200, {
        access_token: `access-${caseName}`,
        token_type: 'Bearer',
        expires_in: 300,
        id_token: await idToken(caseName, nonce),
      });
    }
    if (url.pathname === '/userinfo') {
      const token = (req.headers.authorization || '').replace(/^Bearer /, '');
      const caseName = token.replace(/^access-/, '');
      return json(res, 200, { sub: `forged-${caseName}` });
    }
    json(res, 404, { error: 'not_found' });
  } catch (e) {
    json(res, 500, { error: String(e) });
  }
});

console.log(JSON.stringify({ provider: providerIssuer, forger: forgerIssuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }));
