// Stream's official JavaScript client (@stream-io/video-client) against rx_coordinator's
// fake coordinator, driven by tests/test_js_sdk.py.
//
//   node flows.mjs '<config as JSON>'
//
// The config names the flows to run, in order, and what they need (the fake's HTTP origin,
// the API key, tokens). Every result is one JSON line on stdout starting with "@@ ";
// at a checkpoint the script prints {"checkpoint": name, ...} and waits for one line on
// stdin from pytest (which acts on the fake meanwhile: drops a socket, delivers an event).
// The client's own logs go to stderr.
import net from 'node:net';
import { createInterface } from 'node:readline';
import { StreamVideoClient } from '@stream-io/video-client';
import WebSocket from 'ws';

const config = JSON.parse(process.argv[2]);

// The flows may only talk to 127.0.0.1: every TCP connection elsewhere (a DNS name, any
// other address) is refused before it is attempted, and reported at the end.
const outbound = [];
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const socketConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { host: args[1] };
  const host = options.host ?? 'localhost';
  if (!options.path && !LOOPBACK.has(host)) {
    outbound.push(host);
    process.nextTick(() => this.destroy(new Error(`refused: ${host} is not 127.0.0.1`)));
    return this;
  }
  return socketConnect.apply(this, args);
};
const lines = createInterface({ input: process.stdin });
const pending = [];
const waiting = [];
lines.on('line', (line) => (waiting.length ? waiting.shift()(line) : pending.push(line)));

// The client rejects some of its own internal promises too (a refused connection is
// reported to connectUser's caller and again in the background): log them, keep going.
process.on('unhandledRejection', (error) => process.stderr.write(`[unhandled] ${error}\n`));

const say = (record) => process.stdout.write(`@@ ${JSON.stringify(record)}\n`);
const nextLine = () =>
  pending.length ? Promise.resolve(pending.shift()) : new Promise((r) => waiting.push(r));
const checkpoint = async (name, data = {}) => {
  say({ checkpoint: name, ...data });
  return JSON.parse(await nextLine());
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(predicate, what, ms = 8000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function makeClient(baseURL, apiKey = config.api_key, extra = {}) {
  return new StreamVideoClient({
    apiKey,
    options: {
      ...extra,
      baseURL,
      // Joining asks a CDN where the user is; ask the emulator instead (it answers 404).
      locationHintUrl: new URL('/location-hint', baseURL).href,
      WebSocketImpl: WebSocket,
      clientEventsReportingEnabled: false,
      logger: (level, message) => process.stderr.write(`[${level}] ${message}\n`),
      logLevel: 'warn',
    },
  });
}

async function connect(userId, { baseURL = config.base_url, apiKey, token, options } = {}) {
  const client = makeClient(baseURL, apiKey, options);
  const user = { id: userId, name: `${userId[0].toUpperCase()}${userId.slice(1)} (JS)` };
  await client.connectUser(user, token ?? config.tokens[userId]);
  return client;
}

// Collect the events a client receives about one call.
function record(client, cid) {
  const seen = [];
  client.on('all', (event) => {
    if (event.call_cid === cid) seen.push(event);
  });
  return seen;
}

const flows = {
  // connectUser under each base URL: the socket at {base}/connect, connection.ok's id.
  async base_urls() {
    for (const baseURL of [config.base_url, config.base_url_v2]) {
      const client = await connect('alice', { baseURL });
      say({ flow: 'base_urls', baseURL, connection_id: client.streamClient._getConnectionID() });
      await client.disconnectUser();
    }
  },

  // A wrong API key: the coordinator refuses with code 2 and connectUser rejects.
  async wrong_key() {
    try {
      // One attempt: by default connectUser tries 5 times, with pauses, before it gives up.
      await connect('alice', { apiKey: 'not-the-key', options: { maxConnectUserRetries: 1 } });
      say({ flow: 'wrong_key', connected: true });
    } catch (error) {
      // The client's error carries the coordinator's error, as JSON in its message.
      let code = error.code ?? null;
      try {
        code ??= JSON.parse(error.message).code;
      } catch {}
      say({ flow: 'wrong_key', connected: false, code });
    }
  },

  // An expired first token: code 40, then the token provider's fresh token is used.
  async expired_token() {
    let calls = 0;
    const provider = async () => (calls++ === 0 ? config.expired_token : config.tokens.alice);
    const client = await connect('alice', { token: provider });
    say({
      flow: 'expired_token',
      provider_calls: calls,
      connection_id: client.streamClient._getConnectionID(),
    });
    await client.disconnectUser();
  },

  // Alice creates a call with members and acts on it; Bob (JS) and pytest's Python client
  // watch it and must see every event.
  async call_actions() {
    const cid = `default:${config.call_id}`;
    const alice = await connect('alice');
    const bob = await connect('bob');
    const call = alice.call('default', config.call_id);
    const created = await call.getOrCreate({
      data: { members: [{ user_id: 'alice' }, { user_id: 'bob' }], custom: { topic: 'js' } },
    });
    const bobCall = bob.call('default', config.call_id);
    const seen = record(bob, cid);
    const got = await bobCall.get();
    say({
      flow: 'call_actions',
      step: 'created',
      created: created.created,
      members: created.members.map((m) => m.user_id),
      bob_sees_members: got.members.map((m) => m.user_id),
    });
    await checkpoint('python_watching', { cid });
    await call.sendCustomEvent({ hello: 'from js' });
    await call.sendReaction({ type: 'reaction', emoji_code: ':like:' });
    await call.accept();
    await call.reject('decline');
    await call.endCall();
    const expected = ['custom', 'call.reaction_new', 'call.accepted', 'call.rejected', 'call.ended'];
    await until(() => expected.every((t) => seen.some((e) => e.type === t)), 'bob to see all');
    say({
      flow: 'call_actions',
      step: 'bob_saw',
      types: seen.map((e) => e.type),
      custom: seen.find((e) => e.type === 'custom').custom,
      reaction: seen.find((e) => e.type === 'call.reaction_new').reaction.emoji_code,
      ended_by: seen.find((e) => e.type === 'call.ended').user?.id ?? null,
    });
    await Promise.all([alice.disconnectUser(), bob.disconnectUser()]);
  },

  // Alice rings Bob: Bob's client gets call.ring (Alice's does not), accepts, and Alice
  // learns it from call.accepted and from the ring state her client polls.
  async ringing() {
    const cid = `default:${config.call_id}`;
    const alice = await connect('alice');
    const bob = await connect('bob');
    const aliceSaw = record(alice, cid);
    const rings = [];
    bob.on('call.ring', (event) => rings.push(event));
    const call = alice.call('default', config.call_id);
    await call.getOrCreate({ ring: true, data: { members: [{ user_id: 'alice' }, { user_id: 'bob' }] } });
    await until(() => rings.length > 0, 'call.ring at Bob');
    const incoming = bob.state.calls.find((c) => c.cid === cid);
    await incoming.accept();
    await until(() => aliceSaw.some((e) => e.type === 'call.accepted'), 'call.accepted at Alice');
    const state = await call.getRingState();
    say({
      flow: 'ringing',
      ring_from: rings[0].user.id,
      bob_has_the_call: Boolean(incoming),
      alice_saw: aliceSaw.map((e) => e.type),
      accepted_by: Object.keys(state.accepted_by),
      session_id: state.session_id,
    });
    await Promise.all([alice.disconnectUser(), bob.disconnectUser()]);
  },

  // A dropped socket: the client reconnects, re-watches with QueryCalls, and still gets
  // the call's events.
  async reconnect() {
    const alice = await connect('alice');
    const call = alice.call('default', config.call_id);
    await call.getOrCreate({ data: { members: [{ user_id: 'alice' }] } });
    const cid = `default:${config.call_id}`;
    const seen = record(alice, cid);
    const first = alice.streamClient._getConnectionID();
    await checkpoint('watching', { connection_id: first });
    // pytest drops the socket, waits for the re-watch, then sends a custom event
    await until(() => seen.some((e) => e.type === 'custom'), 'the event after the reconnect');
    say({
      flow: 'reconnect',
      first_connection_id: first,
      connection_id: alice.streamClient._getConnectionID(),
      custom: seen.find((e) => e.type === 'custom').custom,
    });
    await alice.disconnectUser();
  },
};

try {
  for (const name of config.flows) await flows[name]();
  say({ done: true, outbound });
} catch (error) {
  say({ error: String(error?.stack ?? error) });
  process.exitCode = 1;
} finally {
  lines.close();
  // The client keeps timers (health checks, token refresh): end once the flows are done.
  setTimeout(() => process.exit(), 50).unref();
}
