// An independent OpenID provider for tests/browser_oidc.rs (docs/contract.md §5): panva's
// oidc-provider on 127.0.0.1 at a free port, with its development login and consent pages.
//
//   node provider.mjs <the portal's federation callback URL>
//
// Prints the issuer URL as the first line on stdout, then serves until stdin closes (the test
// holds it open) or the process is killed. One confidential client, `cartable-portal`, whose
// only redirect URI is the portal's callback; PKCE is required. The login name is the account:
// `julie@example.com` signs in with that email, verified; `unverified:julie@example.com` with
// the same email and `email_verified: false`.
import http from 'node:http';
import Provider from 'oidc-provider';

const callback = process.argv[2];
if (!callback) {
  console.error('usage: node provider.mjs <redirect URI>');
  process.exit(2);
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'cartable-portal',
      client_secret: 'a-test-secret-known-to-the-test-only',
      redirect_uris: [callback],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // Put the scope's claims in the ID token (the portal reads email and email_verified there).
  conformIdTokenClaims: false,
  pkce: { methods: ['S256'], required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['cartable-test-cookie-key'] },
  async findAccount(_ctx, id) {
    const unverified = id.startsWith('unverified:');
    const email = unverified ? id.slice('unverified:'.length) : id;
    return {
      accountId: id,
      async claims() {
        return { sub: `sub-${id}`, email, email_verified: !unverified };
      },
    };
  },
});

server.on('request', provider.callback());
process.stdout.write(`${issuer}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
