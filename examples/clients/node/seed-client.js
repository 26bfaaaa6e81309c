// The seed's OAuth2Client, unchanged, pointed at the broker: only its configuration differs from
// the seed's usage example (token URL = the broker's drop-in POST /oauth/token, credentials = a
// `localClients` entry of the broker, never the upstream IdP secret).
//
//   BROKER_URL=http://127.0.0.1:4004 LOCAL_CLIENT_ID=orders LOCAL_CLIENT_SECRET=... \
//   STUDENTS_URL=http://127.0.0.1:4006 node seed-client.js
'use strict';
const { OAuth2Client } = require('./OAuth2Client');

const broker = process.env.BROKER_URL || 'http://127.0.0.1:4004';
const students = process.env.STUDENTS_URL || 'http://127.0.0.1:4006';

async function main() {
  const client = new OAuth2Client({
    clientId: process.env.LOCAL_CLIENT_ID,
    clientSecret: process.env.LOCAL_CLIENT_SECRET,
    tokenEndpoint: `${broker}/oauth/token`,
    audience: process.env.AUDIENCE || 'https://students-api',
    scopes: (process.env.SCOPE || 'read:students').split(' '),
  });

  const token = await client.getAccessToken();
  // Never print the token itself: its length and lifetime are enough to show it arrived.
  console.log('token: ' + JSON.stringify({
    access_token: token ? '(redacted)' : null,
    expires_in: Math.round((client.tokenExpiry - Date.now()) / 1000),
  }));

  const response = await client.callApi(`${students}/students`);
  console.log(`students: ${response.status} ${await response.text()}`);
  if (!response.ok) process.exit(1);
}

main().catch((e) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
