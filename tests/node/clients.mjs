// clients.mjs -- ioredis and node-redis (RESP2 and RESP3) against a real
// strongbox-server: what a Node.js user does first, checked by value.
//
//   node tests/node/clients.mjs <strongbox-server> <functions-dir>
//
// (dependencies: `npm ci` in tests/node; build.sh test does it). Starts the
// server on a free 127.0.0.1 port with a private data directory, and:
//  - ioredis: GET/SET, pipelines, MULTI/EXEC with a failing command,
//    WATCH, defineCommand after SCRIPT FLUSH (EVALSHA -> NOSCRIPT -> EVAL),
//    FCALL of the shipped bank functions, scanStream, error classes;
//  - ioredis during a long start (key-load-delay): its ready check reads
//    INFO persistence loading:1 / loading_eta_seconds and waits, so the
//    first command gets the data, not -LOADING;
//  - node-redis with RESP 2 and 3: MULTI/EXEC and WatchError, EVAL
//    conversions, fCall / functionList, CLIENT SETINFO (sent on connect),
//    SCAN, SET options, TTL;
//  - pub/sub with both: subscriber mode, patterns, RESP3 pushes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { createClient } from 'redis';

const [serverBin, functionsDir] = process.argv.slice(2);
if (!serverBin || !functionsDir) {
  console.error('usage: node clients.mjs <strongbox-server> <functions-dir>');
  process.exit(2);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-node-'));
let server = null;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Start the server on dir; resolve once it accepts connections (it may
// still be recovering: that is what the loading test wants to see).
async function start(extra = []) {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--min-free-disk', '0', '--functions-dir', functionsDir, ...extra];
  const proc = spawn(serverBin, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = sig || code; });
  for (let i = 0; i < 200; i++) {
    if (exited !== null) throw new Error(`strongbox-server exited (${exited})`);
    const ok = await new Promise(res => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); res(true); });
      c.on('error', () => res(false));
    });
    if (ok) return { proc, port };
    await new Promise(r => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error('strongbox-server did not listen within 10 s');
}

function stop(s, sig = 'SIGTERM') {
  return new Promise(res => {
    if (s.proc.exitCode !== null || s.proc.signalCode !== null) return res();
    s.proc.on('exit', () => res());
    s.proc.kill(sig);
  });
}

async function ioredisBasics(port) {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  assert.equal(await r.set('io:k', 'v'), 'OK');
  assert.equal(await r.get('io:k'), 'v');
  assert.deepEqual(await r.pipeline().set('io:a', 1).incr('io:a').get('io:a').exec(),
    [[null, 'OK'], [null, 2], [null, '2']]);
  assert.deepEqual(await r.multi().set('io:b', 1).incrby('io:b', 5).exec(), [[null, 'OK'], [null, 6]]);
  // a command that fails at run time: its error in its place, the others done
  const res = await r.multi().set('io:c', 'x').incr('io:k').exec();
  assert.deepEqual(res[0], [null, 'OK']);
  assert.match(res[1][0].message, /^ERR value is not an integer or out of range/);
  // a command refused while queued aborts the transaction
  await assert.rejects(r.multi().set('io:d', 1).call('NOSUCHCMD').exec(), /EXECABORT/);
  assert.equal(await r.exists('io:d'), 0);
  // WATCH: a concurrent change makes EXEC return null
  const other = r.duplicate();
  await r.watch('io:w');
  await other.set('io:w', 'theirs');
  assert.equal(await r.multi().set('io:w', 'mine').exec(), null);
  assert.equal(await r.get('io:w'), 'theirs');
  other.disconnect();
  // defineCommand: EVALSHA, NOSCRIPT after SCRIPT FLUSH, then EVAL
  r.defineCommand('bump', { numberOfKeys: 1, lua: 'return {KEYS[1], ARGV[1], redis.call("INCR", KEYS[1])}' });
  assert.deepEqual(await r.bump('io:n', 'x'), ['io:n', 'x', 1]);
  assert.equal(await r.script('FLUSH'), 'OK');
  assert.deepEqual(await r.bump('io:n', 'y'), ['io:n', 'y', 2]);
  // the shipped bank functions
  assert.equal(await r.call('FCALL', 'deposit', 1, 'acct:io', 100), 100);
  assert.deepEqual(await r.call('FCALL', 'transfer', 2, 'acct:io', 'acct:io2', 30), [70, 30]);
  await assert.rejects(r.call('FCALL', 'debit', 1, 'acct:io2', 31), /ERR insufficient funds/);
  assert.equal(await r.call('FCALL_RO', 'total', 2, 'acct:io', 'acct:io2'), 100);
  // errors are ReplyErrors with Redis's text
  await assert.rejects(r.incr('io:k'), e => e.name === 'ReplyError' &&
    e.message === 'ERR value is not an integer or out of range');
  // scanStream sees every key once
  for (let i = 0; i < 250; i++) await r.set(`io:scan:${i}`, i);
  const seen = new Set();
  await new Promise((resolve, reject) => r.scanStream({ match: 'io:scan:*', count: 20 })
    .on('data', ks => ks.forEach(k => seen.add(k))).on('end', resolve).on('error', reject));
  assert.equal(seen.size, 250);
  assert.match(await r.info('server'), /redis_version:7\.0\.15/);
  r.disconnect();
}

async function nodeRedis(port, RESP) {
  const c = createClient({ url: `redis://127.0.0.1:${port}`, RESP });
  const errors = [];
  c.on('error', e => errors.push(e));
  await c.connect();
  assert.equal(await c.set('nr:k', 'v'), 'OK');
  assert.equal(await c.get('nr:k'), 'v');
  assert.deepEqual(await c.mGet(['nr:k', 'nr:none']), ['v', null]);
  assert.deepEqual(await c.multi().set('nr:x', '1').incr('nr:x').get('nr:x').exec(), ['OK', 2, '2']);
  await assert.rejects(c.multi().set('nr:y', '1').incr('nr:k').exec(), e => e.constructor.name === 'MultiErrorReply');
  const w = c.duplicate();
  await w.connect();
  await c.watch('nr:wk');
  await w.set('nr:wk', 'theirs');
  await assert.rejects(c.multi().set('nr:wk', 'mine').exec(), e => e.constructor.name === 'WatchError');
  await w.quit();
  // a script's booleans: true -> 1, false -> null, whatever the protocol
  assert.deepEqual(await c.eval('return {1, "a", true, false}', { keys: [], arguments: [] }), [1, 'a', 1, null]);
  assert.deepEqual(await c.fCall('transfer', { keys: ['acct:nr', 'acct:nr2'], arguments: ['0'] }), [0, 0]);
  const libs = await c.functionList();
  assert.deepEqual(libs.map(l => l.library_name ?? l.libraryName), ['bank']);
  // node-redis sent CLIENT SETINFO on connect
  const info = await c.clientInfo();
  assert.equal(info.libName ?? info.lib_name, 'node-redis');
  assert.equal(Number(info.resp), RESP);
  const hello = await c.hello();
  assert.equal(hello.proto ?? hello.protocol, RESP);
  assert.equal(await c.set('nr:t', 'v', { EX: 100 }), 'OK');
  assert.equal(await c.ttl('nr:t'), 100);
  assert.equal(await c.set('nr:t', 'w', { NX: true }), null);
  assert.deepEqual(await c.scan('0', { MATCH: 'nr:x', COUNT: 1000 }), { cursor: '0', keys: ['nr:x'] });
  assert.equal(await c.incrByFloat('nr:f', 1.5), RESP === 3 ? '1.5' : '1.5');
  await assert.rejects(c.incr('nr:k'), /ERR value is not an integer or out of range/);
  assert.equal(await c.del('nr:f'), 1);
  await c.quit();
  assert.deepEqual(errors, []);
}

// Pub/sub as each client library drives it: ioredis's subscriber mode
// (message and pmessage events), node-redis's subscribe listeners (RESP2:
// a dedicated connection; RESP3: pushes on the same one).
async function pubsub(port) {
  const sub = new Redis({ port, host: '127.0.0.1' });
  const pub = new Redis({ port, host: '127.0.0.1' });
  const got = [];
  sub.on('message', (ch, m) => got.push(`${ch}:${m}`));
  sub.on('pmessage', (pat, ch, m) => got.push(`${pat}|${ch}:${m}`));
  assert.equal(await sub.subscribe('news', 'sport'), 2);
  assert.equal(await sub.psubscribe('n*'), 3);
  assert.equal(await pub.publish('news', 'hello'), 2);
  assert.equal(await pub.publish('sport', 'goal'), 1);
  assert.deepEqual(await pub.pubsub('NUMSUB', 'news', 'none'), ['news', 1, 'none', 0]);
  for (let i = 0; i < 100 && got.length < 3; i++) await new Promise(r => setTimeout(r, 10));
  assert.deepEqual(got.sort(), ['n*|news:hello', 'news:hello', 'sport:goal']);
  // (ioredis's unsubscribe() of all waits for a count of 0, patterns too,
  // against Redis as well: name them)
  assert.equal(await sub.unsubscribe('news', 'sport'), 1);
  assert.equal(await sub.punsubscribe('n*'), 0);
  assert.equal(await sub.get('nr:none'), null); // out of subscriber mode
  sub.disconnect();
  pub.disconnect();
  for (const RESP of [2, 3]) {
    const c = createClient({ url: `redis://127.0.0.1:${port}`, RESP });
    await c.connect();
    const s = c.duplicate();
    await s.connect();
    const msgs = [];
    await s.subscribe('chat', m => msgs.push(m));
    await s.pSubscribe('ch*', (m, ch) => msgs.push(`${ch}>${m}`));
    assert.equal(await c.publish('chat', `r${RESP}`), 2);
    for (let i = 0; i < 100 && msgs.length < 2; i++) await new Promise(r => setTimeout(r, 10));
    assert.deepEqual(msgs.sort(), [`chat>r${RESP}`, `r${RESP}`]);
    await s.unsubscribe('chat');
    await s.pUnsubscribe('ch*');
    assert.equal(await c.publish('chat', 'late'), 0);
    await s.quit();
    await c.quit();
  }
}

// ioredis's ready check during a long start: INFO persistence says
// loading:1 and loading_eta_seconds, and ioredis waits, so its first
// command gets the value instead of -LOADING.
async function ioredisLoading() {
  let s = await start();
  const r = new Redis({ port: s.port, host: '127.0.0.1' });
  const p = r.pipeline();
  for (let i = 0; i < 3000; i++) p.set(`ld:${i}`, `v${i}`);
  await p.exec();
  r.disconnect();
  await stop(s, 'SIGKILL'); // no checkpoint: the start replays 3000 records
  const t0 = Date.now();
  s = await start(['--key-load-delay', '1000']); // about 3 s of loading
  const probe = new Redis({ port: s.port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0 });
  // the server is recovering: a client without the ready check sees it
  await assert.rejects(probe.get('ld:0'), /^ReplyError: LOADING|LOADING Strongbox is loading/);
  assert.match(await probe.info('persistence'), /loading:1\r\n[\s\S]*loading_eta_seconds:\d+/);
  probe.disconnect();
  const waiter = new Redis({ port: s.port, host: '127.0.0.1' });
  assert.equal(await waiter.get('ld:2999'), 'v2999');
  assert.ok(Date.now() - t0 > 1000, 'the start was slowed down');
  assert.equal(await waiter.dbsize(), 3000 + 0);
  waiter.disconnect();
  return s;
}

let failed = false;
try {
  let s = await start();
  server = s;
  await ioredisBasics(s.port);
  await nodeRedis(s.port, 2);
  await nodeRedis(s.port, 3);
  await pubsub(s.port);
  await stop(s);
  rmSync(dir, { recursive: true, force: true });
  s = await ioredisLoading();
  server = s;
  await stop(s);
  console.log('node clients: all passed');
} catch (e) {
  failed = true;
  console.error('node clients: FAILED');
  console.error(e);
} finally {
  if (server) await stop(server, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
