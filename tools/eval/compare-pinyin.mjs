// compare-pinyin.mjs -- compares `tingbao pinyin` with pinyin-pro, syllable
// by syllable, to find readings worth a second look.  Not part of `make
// check`: pinyin-pro comes from npm and is installed outside the repository.
//
//   mkdir -p /tmp/eval && (cd /tmp/eval && npm install pinyin-pro)
//   NODE_PATH=/tmp/eval/node_modules node tools/eval/compare-pinyin.mjs \
//       tools/eval/news-corpus.txt [more files...] [--show N] [--contexts N]
//
// Each input line is normalized with `./tingbao normalize` first (so both
// converters see the same characters: numbers already spelled out), then
// read by both.  pinyin-pro's neutral tone 0 is written 5, ü is v.  Lines
// whose syllable counts differ are reported and left out of the figure.
// The reference is not always right (现代汉语词典 decides): the report lists
// every disagreement with its context for a human to judge.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { pinyin } = require('pinyin-pro');

const args = process.argv.slice(2);
let show = 1e9, ctxs = 4;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--show') show = Number(args[++i]);
  else if (args[i] === '--contexts') ctxs = Number(args[++i]);
  else files.push(args[i]);
}
const bin = process.env.TINGBAO || './tingbao';
const han = /[\u3400-\u4dbf\u4e00-\u9fff\u3007]/u;

let lines = [];
for (const f of files)
  for (const l of readFileSync(f, 'utf8').split('\n')) {
    const t = l.trim();
    if (t && !t.startsWith('#') && han.test(t)) lines.push(t);
  }
const run = (sub, input) =>
  execFileSync(bin, [sub], { input: input.join('\n') + '\n', maxBuffer: 1 << 28 })
    .toString().split('\n');
const norm = run('normalize', lines).slice(0, lines.length);
const ours = run('pinyin', lines).slice(0, lines.length);

let total = 0, agree = 0, skipped = 0;
const diffs = new Map();
for (let i = 0; i < lines.length; i++) {
  const chars = [...norm[i]].filter((c) => han.test(c));
  const ref = chars.length
    ? pinyin(chars.join(''), { toneType: 'num', type: 'array', v: true })
        .map((s) => s.replace(/0$/, '5'))
    : [];
  const mine = ours[i].trim() ? ours[i].trim().split(/\s+/) : [];
  if (ref.length !== mine.length) {
    skipped++;
    console.log(`SKIP (${mine.length} vs ${ref.length} syllables): ${lines[i]}`);
    continue;
  }
  for (let k = 0; k < ref.length; k++) {
    total++;
    if (ref[k] === mine[k]) { agree++; continue; }
    const ctx = chars.slice(Math.max(0, k - 3), k).join('') + '[' + chars[k] + ']' +
      chars.slice(k + 1, k + 4).join('');
    const key = `${chars[k]} ours ${mine[k]} ref ${ref[k]}`;
    if (!diffs.has(key)) diffs.set(key, []);
    diffs.get(key).push(ctx);
  }
}
const sorted = [...diffs.entries()].sort((a, b) => b[1].length - a[1].length);
for (const [k, v] of sorted.slice(0, show))
  console.log(`${v.length}\t${k}\t${v.slice(0, ctxs).join(' ')}`);
console.log(`lines ${lines.length}, skipped ${skipped}, syllables ${total}, ` +
  `agree ${agree} (${(100 * agree / Math.max(1, total)).toFixed(2)}%)`);
