// Any language can get a token over the broker's TCP event-bus bridge: a TCP connection carrying
// frames of a 4-byte big-endian length followed by that many bytes of JSON. This is the whole
// protocol a client needs, in Node's `net` alone (no npm package).
//
//   send  {"type":"send","address":"token-broker.token","replyAddress":R,"body":{audience,scope}}
//   reply {"type":"message","address":R,"body":{access_token,token_type,expires_in,expires_at,scope}}
//      or {"type":"err","address":R,"failureCode":403,"message":"access_denied: ..."}
//
//   BRIDGE_HOST=127.0.0.1 BRIDGE_PORT=4005 STUDENTS_URL=http://127.0.0.1:4006 node bridge.js
'use strict';
const net = require('net');
const crypto = require('crypto');

const host = process.env.BRIDGE_HOST || '127.0.0.1';
const port = Number(process.env.BRIDGE_PORT || 4005);
const students = process.env.STUDENTS_URL || 'http://127.0.0.1:4006';

function frame(obj) {
  const json = Buffer.from(JSON.stringify(obj), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length, 0);
  return Buffer.concat([len, json]);
}

/** Sends one request and resolves with the body of its reply (rejects on an `err` frame). */
function request(address, body) {
  return new Promise((resolve, reject) => {
    const replyAddress = `reply.${crypto.randomUUID()}`;
    const socket = net.connect({ host, port });
    let pending = Buffer.alloc(0);
    socket.setTimeout(15000, () => socket.destroy(new Error('no reply within 15 s')));
    socket.on('connect', () => {
      socket.write(frame({ type: 'send', address, replyAddress, headers: {}, body }));
    });
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const len = pending.readUInt32BE(0);
        if (pending.length < 4 + len) break;
        const msg = JSON.parse(pending.subarray(4, 4 + len).toString('utf8'));
        pending = pending.subarray(4 + len);
        if (msg.type === 'pong' || msg.address !== replyAddress) continue;
        socket.end();
        if (msg.type === 'err') reject(new Error(`${msg.failureCode} ${msg.message}`));
        else resolve(msg.body);
      }
    });
    socket.on('error', reject);
  });
}

async function main() {
  const token = await request('token-broker.token', {
    audience: process.env.AUDIENCE || 'https://students-api',
    scope: process.env.SCOPE || 'read:students',
  });
  const { access_token, ...rest } = token;
  console.log('token: ' + JSON.stringify({ ...rest, access_token: '(redacted)' }));

  const response = await fetch(`${students}/students`, {
    headers: { Authorization: `Bearer ${access_token}` },
  });
  console.log(`students: ${response.status} ${await response.text()}`);
  if (!response.ok) process.exit(1);
}

main().catch((e) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
