// A certified OpenID Connect provider (node `oidc-provider`, OpenID Certified) on the loopback, configured as
// ProConnect and as Pro Santé Connect would be, for the portal's tests only (tests/oidc/fixtures.py starts it).
//
// Everything a test decides is in one JSON file (OIDC_STATE_FILE), read again at each use, so a test changes the
// people and the client registrations without restarting the provider:
//   {"clients": {"<client_id>": {client metadata}}, "accounts": {"<login>": {"claims": {...}, "amr": [...], "acr": "..."}}}
// The login page asks for the login only (no password: the provider is the tested party's stand-in, not the tested
// party); the account's `amr` and `acr` say how the person authenticated at the provider (e.g. ["pwd", "mfa"]).
//
// Test-only routes, under /__test__/: `other-jwks` publishes a different key under the same `kid` as the real one
// (to prove the portal rejects a token whose signature does not match the keys it was given); `token?alg=…` is the
// real token endpoint whose ID token comes back re-signed with an algorithm that does not fit the published key
// (HS256 keyed with the RSA public key — the classic algorithm confusion —, ES256, none), same `kid`.
import { createServer } from 'node:http';
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const stateFile = process.env.OIDC_STATE_FILE;
if (!stateFile) {
  console.error('OIDC_STATE_FILE manquant');
  process.exit(2);
}

function state() {
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

// The account id is the `sub` the provider sends (PSC's are long national identifiers), the login is a short name.
function accountBySub(sub) {
  return Object.entries(state().accounts).map(([login, a]) => ({ sub: a.sub || login, ...a })).find((a) => a.sub === sub);
}

function jwk(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

const signingKey = jwk('portal-test-key');
const impostorKey = jwk('portal-test-key'); // same kid, another key
const publicPart = ({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use });

// The ID token's claims under another header: `alg` that does not fit the RSA key published under the same `kid`.
function resigned(token, alg) {
  const header = Buffer.from(JSON.stringify({ alg, kid: signingKey.kid, typ: 'JWT' })).toString('base64url');
  const input = `${header}.${token.split('.')[1]}`;
  if (alg === 'none') return `${input}.`;
  if (alg === 'HS256') {
    const pem = createPublicKey({ key: publicPart(signingKey), format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
  }
  return `${input}.${randomBytes(64).toString('base64url')}`; // ES256: any signature, the key cannot check it
}

async function tokenWithAlg(req, res, alg) {
  let body = '';
  for await (const chunk of req) body += chunk;
  const upstream = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] || 'application/x-www-form-urlencoded' },
    body,
  });
  const answer = await upstream.json();
  if (answer.id_token) answer.id_token = resigned(answer.id_token, alg);
  res.writeHead(upstream.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(answer));
}

// In-memory storage of every model, except clients, read from the state file (registrations change per test).
const store = new Map();
class Adapter {
  constructor(name) {
    this.name = name;
  }

  key(id) {
    return `${this.name}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    store.set(this.key(id), { payload, expires: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    if (payload.grantId) {
      const grantKey = `grant:${payload.grantId}`;
      store.set(grantKey, [...(store.get(grantKey) || []), this.key(id)]);
    }
    if (payload.userCode) store.set(`userCode:${payload.userCode}`, id);
    if (payload.uid) store.set(`uid:${payload.uid}`, id);
  }

  async find(id) {
    if (this.name === 'Client') return state().clients[id];
    const found = store.get(this.key(id));
    if (!found || (found.expires && found.expires < Date.now())) return undefined;
    return found.payload;
  }

  async findByUid(uid) {
    return this.find(store.get(`uid:${uid}`));
  }

  async findByUserCode(userCode) {
    return this.find(store.get(`userCode:${userCode}`));
  }

  async consume(id) {
    const found = store.get(this.key(id));
    if (found) found.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of store.get(`grant:${grantId}`) || []) store.delete(key);
    store.delete(`grant:${grantId}`);
  }
}

const PROCONNECT_CLAIMS = ['given_name', 'usual_name', 'email', 'uid', 'siret', 'idp_id', 'idp_acr'];
const PSC_CLAIMS = ['SubjectNameID', 'SubjectRefPro', 'otherIds', 'given_name', 'family_name', 'preferred_username'];

const configuration = {
  adapter: Adapter,
  jwks: { keys: [signingKey] },
  cookies: { keys: ['portal-test-cookie-key'] },
  // ProConnect: one scope per claim; Pro Santé Connect: everything under `scope_all`.
  claims: {
    openid: ['sub'],
    amr: null, // standalone claims, asked for through the `claims` parameter (ProConnect)
    acr: null,
    email: ['email', 'email_verified'],
    ...Object.fromEntries(PROCONNECT_CLAIMS.filter((c) => c !== 'email').map((c) => [c, [c]])),
    scope_all: [...PSC_CLAIMS, 'email'],
  },
  acrValues: [
    'eidas1',
    'eidas2',
    'eidas3',
    'https://proconnect.gouv.fr/assurance/self-asserted',
    'https://proconnect.gouv.fr/assurance/self-asserted-2fa',
    'https://proconnect.gouv.fr/assurance/consistency-checked',
    'https://proconnect.gouv.fr/assurance/consistency-checked-2fa',
  ],
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    jwtUserinfo: { enabled: true }, // ProConnect answers the userinfo endpoint with a signed JWT
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Déconnexion</title></head>
          <body><h1>Se déconnecter du fournisseur d'identité ?</h1>${form}
          <button type="submit" form="op.logoutForm" value="yes" name="logout">Oui, me déconnecter</button>
          </body></html>`;
      },
    },
  },
  // PKCE is required of every client, confidential ones too: a portal that forgot it would be refused here.
  pkce: { required: () => true },
  // An account may ask for very short-lived codes (`code_ttl`), to prove that an expired code is refused.
  ttl: {
    AuthorizationCode: (ctx, code) => accountBySub(code.accountId)?.code_ttl || 60,
  },
  // The person consents once and for all: a test provider has no consent screen to click through.
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    grant.addOIDCClaims([...PROCONNECT_CLAIMS, ...PSC_CLAIMS, 'email', 'email_verified', 'amr', 'acr']);
    await grant.save();
    return grant;
  },
  findAccount: async (ctx, id) => {
    const account = accountBySub(id);
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ ...account.claims, sub: id }) };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
};

const issuer = `http://127.0.0.1:${port}`;
let provider;

function page(title, body) {
  return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

async function readForm(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return new URLSearchParams(raw);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction inconnue');
  if (req.method === 'POST' && action === 'login') {
    const login = (await readForm(req)).get('login');
    const account = state().accounts[login];
    if (!account) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Identifiant inconnu', `<h1>Identifiant inconnu</h1><p>${login}</p>`));
      return;
    }
    await provider.interactionFinished(req, res, {
      login: { accountId: account.sub || login, amr: account.amr || ['pwd'], acr: account.acr || 'eidas1' },
    });
    return;
  }
  if (details.prompt.name === 'consent') {
    // loadExistingGrant granted everything: a consent prompt means the grant was just created; resume.
    await provider.interactionFinished(req, res, { consent: {} }, { mergeWithLastSubmission: true });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    page(
      'Connexion au fournisseur de test',
      `<h1>Connexion au fournisseur d'identité de test</h1>
       <form method="post" action="/interaction/${uid}/login">
         <label for="login">Identifiant</label> <input id="login" name="login" autofocus>
         <button type="submit">Se connecter</button>
       </form>`,
    ),
  );
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    const match = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login))?$/);
    if (match) {
      await interaction(req, res, match[1], match[2]);
      return;
    }
    if (url.pathname === '/__test__/other-jwks') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicPart(impostorKey)] }));
      return;
    }
    if (url.pathname === '/__test__/token' && req.method === 'POST') {
      await tokenWithAlg(req, res, url.searchParams.get('alg'));
      return;
    }
    provider.callback()(req, res);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(String(error));
  }
});

server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  provider = new Provider(`http://127.0.0.1:${actual}`, configuration);
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  // The fixture waits for this line.
  console.log(JSON.stringify({ ready: true, issuer: `http://127.0.0.1:${actual}` }));
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
