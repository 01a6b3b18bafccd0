// The peer of the OrgIdentity load driver (issue 13): node oidc-provider 9.x, configured as OrgIdentity is for the same
// work (README.md next to this folder). Not a server to deploy: clients, secrets and the account are fixed, the key is
// generated at every start and never written anywhere.
//
//   NODE_ENV=production node server.js [--port 0] [--host 127.0.0.1] [--alg RS256|ES256] [--issuer URL]
//
// Environment: PEER_PORT, PEER_HOST, PEER_ALG, PEER_ISSUER, PEER_CLIENT_SECRET (arguments win). Port 0 picks a free one.
// When it listens it prints one JSON line on stdout (the port, the issuer, the endpoints, the clients and the algorithm).
//
// Besides the provider's own routes it answers, on the same port:
//   GET /bench/refresh-tokens?n=16[&client=bench-client|bench-spa]  N refresh tokens minted through the provider's own
//       models (a Grant and a RefreshToken each, as the authorization-code flow with offline_access would leave them),
//       so a refresh load measures only the refresh grant.
//   GET /bench/health  200 "ok".
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    alg: { type: 'string' },
    issuer: { type: 'string' },
  },
});

const host = args.host ?? process.env.PEER_HOST ?? '127.0.0.1';
const requestedPort = Number.parseInt(args.port ?? process.env.PEER_PORT ?? '0', 10);
const alg = (args.alg ?? process.env.PEER_ALG ?? 'RS256').toUpperCase();
if (!['RS256', 'ES256'].includes(alg)) {
  console.error(`--alg must be RS256 or ES256, not '${alg}'.`);
  process.exit(2);
}

if (process.env.NODE_ENV !== 'production') {
  // Koa and oidc-provider take shortcuts for development otherwise (stack traces in errors, warnings): measure production.
  console.error('NODE_ENV is not "production"; set it for figures (the PeerHost of the load driver does).');
}

// The same key types as OrgIdentity's certificates: RSA 2048 or P-256, generated here, never stored.
const { privateKey } = alg === 'RS256'
  ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: crypto.randomUUID() };

// The API the tokens are for (OrgIdentity: the orgidentity.api scope and audience), as JWT access tokens; a second one
// with opaque tokens exists only so that introspection has something to look up (oidc-provider does not introspect its
// JWT access tokens: they are not stored).
const API = 'urn:orgidentity:bench:api';
const OPAQUE_API = 'urn:orgidentity:bench:opaque-api';
const API_SCOPE = 'api';

const clientSecret = process.env.PEER_CLIENT_SECRET ?? crypto.randomBytes(32).toString('base64url');
const introspectionSecret = crypto.randomBytes(32).toString('base64url');
const clients = [
  {
    // The service account: client_credentials (secret in the body or Basic), and refresh tokens for the refresh load.
    client_id: 'bench-client',
    client_secret: clientSecret,
    token_endpoint_auth_method: 'client_secret_basic', // oidc-provider accepts client_secret_post for it as well
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
    scope: `openid offline_access ${API_SCOPE}`,
    id_token_signed_response_alg: alg,
  },
  {
    // A public client (PKCE, no secret), like OrgIdentity's 'spa', for a refresh load without client authentication.
    client_id: 'bench-spa',
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
    scope: `openid offline_access ${API_SCOPE}`,
    id_token_signed_response_alg: alg,
  },
  {
    // The resource server that introspects tokens; it obtains none itself.
    client_id: 'bench-introspector',
    client_secret: introspectionSecret,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: [],
    response_types: [],
    redirect_uris: [],
  },
];

// One user; the account lookup answers from memory as OrgIdentity answers from its database.
const ACCOUNT_ID = 'bench-user';
const account = {
  accountId: ACCOUNT_ID,
  async claims() {
    return { sub: ACCOUNT_ID, email: 'bench-user@example.com', email_verified: true, name: 'Bench User' };
  },
};

const ttl = {
  // OrgIdentity's defaults (OrgIdentity:Tokens): access tokens 10 minutes, refresh tokens 14 days.
  AccessToken: 10 * 60,
  ClientCredentials: 10 * 60,
  IdToken: 60 * 60,
  RefreshToken: 14 * 24 * 60 * 60,
  Grant: 14 * 24 * 60 * 60,
  AuthorizationCode: 60,
  Interaction: 60 * 60,
  Session: 14 * 24 * 60 * 60,
};

function resourceServer(resource) {
  switch (resource) {
    case API:
      return { scope: API_SCOPE, audience: API, accessTokenTTL: ttl.AccessToken, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
    case OPAQUE_API:
      return { scope: API_SCOPE, audience: OPAQUE_API, accessTokenTTL: ttl.AccessToken, accessTokenFormat: 'opaque' };
    default:
      throw new errors.InvalidTarget();
  }
}

let issuer = args.issuer ?? process.env.PEER_ISSUER;
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(requestedPort, host, resolve);
});
const { port } = server.address();
issuer ??= `http://${host}:${port}`;

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signingKey] },
  clientDefaults: { id_token_signed_response_alg: alg },
  enabledJWA: { idTokenSigningAlgValues: [alg] },
  findAccount: async (_ctx, sub) => (sub === ACCOUNT_ID ? account : undefined),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'offline_access', API_SCOPE],
  ttl,
  // Rotation on every use, as OrgIdentity (OpenIddict's rolling refresh tokens); a used one is refused (and its grant revoked).
  rotateRefreshToken: true,
  // Cookies are not on the measured paths; fixed keys silence the development warning.
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // The introspecting resource server, or a client asking about its own token.
      allowedPolicy: async (ctx, client, token) => client.clientId === 'bench-introspector' || token.clientId === client.clientId,
    },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? API,
      // A refresh keeps the audience it was granted for, even with openid among its scopes.
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => resourceServer(resource),
    },
  },
});
provider.proxy = false;

// Refresh tokens as the authorization-code flow leaves them (openid offline_access api, resource API), one grant each.
async function mintRefreshTokens(n, clientId) {
  const client = await provider.Client.find(clientId);
  if (!client || !client.grantTypeAllowed('refresh_token')) {
    throw new errors.InvalidRequest(`unknown client '${clientId}'`);
  }

  const now = Math.floor(Date.now() / 1000);
  const tokens = [];
  for (let i = 0; i < n; i += 1) {
    const grant = new provider.Grant({ accountId: ACCOUNT_ID, clientId });
    grant.addOIDCScope('openid offline_access');
    grant.addOIDCClaims(['sub']);
    grant.addResourceScope(API, API_SCOPE);
    const grantId = await grant.save();
    const refreshToken = new provider.RefreshToken({
      accountId: ACCOUNT_ID,
      authTime: now,
      client,
      expiresWithSession: false,
      grantId,
      gty: 'authorization_code',
      iiat: now,
      resource: API,
      rotations: 0,
      scope: `openid offline_access ${API_SCOPE}`,
      sessionUid: crypto.randomUUID(),
    });
    tokens.push(await refreshToken.save());
  }

  return tokens;
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (!req.url.startsWith('/bench/')) {
    callback(req, res);
    return;
  }

  const url = new URL(req.url, issuer);
  const send = (status, body) => {
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  };

  if (req.method === 'GET' && url.pathname === '/bench/health') {
    send(200, 'ok');
  } else if (req.method === 'GET' && url.pathname === '/bench/refresh-tokens') {
    const n = Number.parseInt(url.searchParams.get('n') ?? '16', 10);
    // The default in-memory adapter keeps at most 1,000 entries (LRU): more tokens than that would be evicted unused.
    if (!(n >= 1 && n <= 200)) {
      send(400, { error: 'n must be between 1 and 200' });
      return;
    }

    mintRefreshTokens(n, url.searchParams.get('client') ?? 'bench-client')
      .then((tokens) => send(200, { refresh_tokens: tokens }))
      .catch((error) => send(400, { error: error.message }));
  } else {
    send(404, { error: 'not found' });
  }
});

const shutdown = () => server.close(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

console.log(JSON.stringify({
  port,
  issuer,
  alg,
  pid: process.pid,
  node: process.version,
  oidcProvider: (await import('oidc-provider/package.json', { with: { type: 'json' } })).default.version,
  tokenEndpoint: `${issuer}/token`,
  introspectionEndpoint: `${issuer}/token/introspection`,
  jwksUri: `${issuer}/jwks`,
  resource: API,
  opaqueResource: OPAQUE_API,
  scope: API_SCOPE,
  clientId: 'bench-client',
  clientSecret,
  publicClientId: 'bench-spa',
  introspectionClientId: 'bench-introspector',
  introspectionClientSecret: introspectionSecret,
}));
