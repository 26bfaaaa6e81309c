// openid-client 6.x (npm, pinned in package-lock.json) against the broker: discovery from the
// broker's RFC 8414 metadata (GET /.well-known/oauth-authorization-server), then an RFC 6749
// §4.4 client_credentials grant at the token_endpoint it names, authenticated with
// client_secret_basic as a `localClients` entry of the broker.
//
//   BROKER_URL=http://127.0.0.1:4004 LOCAL_CLIENT_ID=orders LOCAL_CLIENT_SECRET=... \
//   STUDENTS_URL=http://127.0.0.1:4006 node openid-client.mjs
import * as client from 'openid-client';

const broker = process.env.BROKER_URL || 'http://127.0.0.1:4004';
const students = process.env.STUDENTS_URL || 'http://127.0.0.1:4006';

try {
  const config = await client.discovery(
    new URL(broker), // the broker's issuer is its listener URL
    process.env.LOCAL_CLIENT_ID,
    undefined,
    client.ClientSecretBasic(process.env.LOCAL_CLIENT_SECRET),
    {
      algorithm: 'oauth2', // RFC 8414 metadata, not OpenID Connect discovery
      execute: [client.allowInsecureRequests], // http:// on loopback: the broker is local
    },
  );
  console.log(`discovered: token_endpoint ${config.serverMetadata().token_endpoint}`);

  const tokens = await client.clientCredentialsGrant(config, {
    scope: process.env.SCOPE || 'read:students',
    audience: process.env.AUDIENCE || 'https://students-api',
  });
  const { access_token, ...rest } = tokens;
  console.log('token: ' + JSON.stringify({ ...rest, access_token: '(redacted)' }));

  const response = await fetch(`${students}/students`, {
    headers: { Authorization: `Bearer ${access_token}` },
  });
  console.log(`students: ${response.status} ${await response.text()}`);
  if (!response.ok) process.exit(1);
} catch (e) {
  console.error(`error: ${e.code || ''} ${e.message}`);
  process.exit(1);
}
