// An external OpenID issuer for crates/portal-server/tests/external_issuer.rs (docs/contract.md
// §6 "Access tokens of an external issuer"): panva's oidc-provider on 127.0.0.1 at a free port,
// with its development login and consent pages, issuing JWT access tokens (RS256) for the
// parent API (audience `cartable-parent-api`) that carry the person's email.
//
//   node api-issuer.mjs
//
// Prints the issuer URL as the first line on stdout, then serves until stdin closes (the test
// holds it open) or the process is killed. One confidential client, `cartable-test`, whose only
// redirect URI is http://127.0.0.1/callback (never loaded: the test reads the redirect). The
// login name is the account: `julie@example.com` signs in with that email, verified;
// `unverified:julie@example.com` with the same email and `email_verified: false`.
import http from 'node:http';
import Provider from 'oidc-provider';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const person = (id) => {
  const unverified = id.startsWith('unverified:');
  return { email: unverified ? id.slice('unverified:'.length) : id, email_verified: !unverified };
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'cartable-test',
      client_secret: 'a-test-secret-known-to-the-test-only',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  pkce: { methods: ['S256'], required: () => true },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:cartable:parent-api',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'parent',
        audience: 'cartable-parent-api',
        accessTokenTTL: 600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  // The email in the access token, as an API expects it from Entra's optional claims.
  async extraTokenClaims(_ctx, token) {
    return token.accountId ? person(token.accountId) : {};
  },
  cookies: { keys: ['cartable-test-cookie-key'] },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: `sub-${id}`, ...person(id) };
      },
    };
  },
});

server.on('request', provider.callback());
process.stdout.write(`${issuer}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
