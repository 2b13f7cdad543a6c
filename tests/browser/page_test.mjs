// page_test.mjs -- drives Debian's chromium headless over the DevTools
// protocol on a pipe (--remote-debugging-pipe: no port, no npm package) and
// checks an index.html written by publish: every article has a player that
// loads its audio, and playing one moves the highlighted sentence.
//
//   node tests/browser/page_test.mjs EDITION_DIR/index.html
//
// Exits 77 (skipped) when chromium cannot start, 1 on a failed check.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const page = process.argv[2];
const chrome = process.env.CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'tingbao-chromium-'));
const proc = spawn(chrome, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required', '--mute-audio',
  `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });

let stderr = '';
proc.stderr.on('data', (d) => { stderr += d; });
let started = false;
function done(code, msg) {
  if (msg) console.log(msg);
  try { proc.kill('SIGKILL'); } catch (e) { /* already gone */ }
  try { rmSync(profile, { recursive: true, force: true }); } catch (e) { /* best effort */ }
  process.exit(code);
}
proc.on('error', (e) => done(77, `skipped: cannot run ${chrome}: ${e.message}`));
proc.on('exit', (c) => {
  if (!started) done(77, `skipped: ${chrome} exited (${c}) before answering: ${stderr.slice(0, 300)}`);
});
setTimeout(() => done(started ? 1 : 77, `${started ? 'FAIL' : 'skipped'}: timed out`), 60000);

const toChrome = proc.stdio[3], fromChrome = proc.stdio[4];
let nextId = 1, buf = '';
const waiting = new Map();
fromChrome.on('data', (d) => {
  buf += d.toString('utf8');
  let i;
  while ((i = buf.indexOf('\0')) >= 0) {
    const msg = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    if (msg.id && waiting.has(msg.id)) {
      const { ok, fail } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) fail(new Error(JSON.stringify(msg.error))); else ok(msg.result);
    }
  }
});
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const m = { id, method, params };
  if (sessionId) m.sessionId = sessionId;
  toChrome.write(JSON.stringify(m) + '\0');
  return new Promise((ok, fail) => waiting.set(id, { ok, fail }));
}
async function evaluate(session, expr) {
  const r = await send('Runtime.evaluate', { expression: expr, awaitPromise: true, returnByValue: true }, session);
  if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
  return r.result.value;
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok' : 'FAIL'}: ${what}`);
  if (!ok) failures++;
}

try {
  const v = await send('Browser.getVersion');
  started = true;
  console.log(`chromium: ${v.product}`);
  const url = pathToFileURL(resolve(page)).href;
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId: s } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Page.enable', {}, s);
  await send('Page.navigate', { url }, s);
  await evaluate(s, `new Promise(r => { const f = () => document.readyState === 'complete' ? r() : setTimeout(f, 50); f(); })`);

  const info = await evaluate(s, `({
    lang: document.documentElement.lang,
    articles: document.querySelectorAll('article').length,
    players: document.querySelectorAll('article audio').length,
    skip: !!document.querySelector('a[href="#main"]'),
    external: [...document.querySelectorAll('[src],[href]')].filter(e => /^https?:/.test(e.getAttribute('src') || e.getAttribute('href'))).length,
  })`);
  check(info.lang === 'zh-CN', `lang is zh-CN (${info.lang})`);
  check(info.articles > 0 && info.players === info.articles, `${info.articles} articles, ${info.players} players`);
  check(info.skip, 'skip link to the main content');
  check(info.external === 0, 'no network references');

  // Every player loads its audio (preload="none": ask for it).
  const loaded = await evaluate(s, `Promise.all([...document.querySelectorAll('audio')].map(a => new Promise(r => {
    const t = setTimeout(() => r({ src: a.currentSrc, rs: a.readyState, d: a.duration, err: 'timeout' }), 15000);
    a.addEventListener('loadedmetadata', () => { clearTimeout(t); r({ src: a.currentSrc, rs: a.readyState, d: a.duration }); }, { once: true });
    a.addEventListener('error', () => { clearTimeout(t); r({ src: a.currentSrc, rs: a.readyState, d: a.duration, err: String(a.error && a.error.code) }); }, { once: true });
    a.preload = 'metadata'; a.load();
  })))`);
  const bad = loaded.filter((x) => !(x.rs >= 1 && x.d > 0));
  check(bad.length === 0, `${loaded.length} players loaded their audio (readyState >= 1, duration > 0)${bad.length ? ': ' + JSON.stringify(bad.slice(0, 3)) : ''}`);

  // Play the first article's audio from just before a sentence long enough
  // (over 2 s) that 1.5 s of playing lands inside it.
  const played = await evaluate(s, `new Promise(async (r) => {
    const art = document.querySelector('article'), a = art.querySelector('audio');
    const ss = [...art.querySelectorAll('.s')];
    let k = ss.findIndex((x, i) => i > 0 && +x.dataset.end - +x.dataset.start > 2.0);
    if (k < 0) k = 1;
    const start = +ss[k].dataset.start;
    a.currentTime = Math.max(+ss[k - 1].dataset.start, start - 0.7);
    await new Promise(q => a.addEventListener('seeked', q, { once: true }));
    const before = ss.findIndex(x => x.getAttribute('aria-current') === 'true') - (k - 1);
    try { await a.play(); } catch (e) { r({ err: String(e) }); return; }
    setTimeout(() => {
      const after = ss.findIndex(x => x.getAttribute('aria-current') === 'true') - (k - 1);
      a.pause();
      r({ before, after, t: a.currentTime, n: art.querySelectorAll('[aria-current="true"]').length });
    }, 1500);
  })`);
  check(!played.err, `play() ${played.err || 'started'}`);
  check(played.t > 0.5, `time advanced while playing (${played.t})`);
  check(played.before === 0 && played.after === 1 && played.n === 1,
        `highlight moved from a sentence to the next (${played.before} -> ${played.after}, relative), one at a time`);
} catch (e) {
  done(started ? 1 : 77, `${started ? 'FAIL' : 'skipped'}: ${e.message}`);
}
done(failures ? 1 : 0, failures ? `${failures} check(s) failed` : 'browser: all checks passed');
