// Headless-Chromium check of the HTML audit page that
// `ledger render --format html` writes.
//
//   node tests/browser/check.mjs AUDIT_HTML LOG_JSON OUT_DIR
//
// LOG_JSON is `ledger log --format json`. The page is checked against its DOM
// contract and nothing else:
//   - standalone: no <script src>, no stylesheet links, no request but the
//     file itself, no console error or uncaught page error;
//   - per environment, <section class="timeline" data-env="ENV"> holding
//     <svg class="timeline-svg">s (older windows may sit in a closed
//     <details class="older">), with exactly one
//     <a class="mark mark-KIND" href="#entry-SEQ" data-seq="SEQ"> per entry;
//     deploys and rollbacks draw <rect class="live-bar" data-seq>, rollbacks
//     <path class="restores" data-seq data-restores>;
//   - per entry, <details class="entry" id="entry-SEQ"> with a <summary>,
//     closed by default; clicking its mark opens it and scrolls it into view.
//
// Writes OUT_DIR/audit.png (full page) and OUT_DIR/audit.pdf (the print
// check's output). One line per check passed goes to stderr; a failure says
// what was expected and what was found, and the exit code is 1 (2 on bad
// usage or a check that could not run at all).

import { readFileSync, mkdirSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
// The closed network makes Chromium's own background traffic fail noisily.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// How long a click has to open its entry (the page may scroll smoothly).
const CLICK_TIMEOUT_MS = 5000;

// ---------------------------------------------------------------- reporting

class CheckFailed extends Error {}

/** Throws a failure of the current check unless `cond` holds. */
function expect(cond, message) {
  if (!cond) throw new CheckFailed(message);
}

const results = { passed: 0, failed: 0, skipped: 0 };

function pass(name, detail) {
  results.passed += 1;
  console.error(`ok   ${name}: ${detail}`);
}

function skip(name, detail) {
  results.skipped += 1;
  console.error(`skip ${name}: ${detail}`);
}

function fail(name, message) {
  results.failed += 1;
  console.error(`FAIL ${name}: ${message}`);
}

/** Runs one named check; its return value is the pass line's detail. */
async function check(name, fn) {
  try {
    const detail = await fn();
    pass(name, detail);
  } catch (err) {
    if (!(err instanceof CheckFailed)) {
      // A Playwright timeout or a bug here: still a failure of this check.
      fail(name, `${err.message.split('\n')[0]}`);
      return;
    }
    fail(name, err.message);
  }
}

// ---------------------------------------------------------------- the log

/** The log's entries, newest first, from `{schema, entries}` (or a bare array). */
function readLog(path) {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  const entries = Array.isArray(doc) ? doc : doc.entries;
  if (!Array.isArray(entries)) {
    throw new Error(`${path}: expected {"schema": 1, "entries": [...]}, found no "entries" array`);
  }
  for (const e of entries) {
    if (!Number.isInteger(e.seq) || typeof e.env !== 'string' || typeof e.kind !== 'string') {
      throw new Error(`${path}: an entry without integer "seq", string "env" and "kind": ${JSON.stringify(e)}`);
    }
  }
  return entries;
}

/** Map env -> its entries, newest first, in the log's order. */
function byEnv(entries) {
  const envs = new Map();
  for (const e of entries) {
    if (!envs.has(e.env)) envs.set(e.env, []);
    envs.get(e.env).push(e);
  }
  return envs;
}

/** Seqs of entries that a void entry voids (they may draw no live bar). */
function voidedSeqs(entries) {
  return new Set(entries.filter((e) => e.kind === 'void' && e.voids != null).map((e) => e.voids));
}

const newestFirst = (a, b) => b.seq - a.seq;

/** A CSS attribute-selector string for any text. */
const cssString = (s) => `"${String(s).replace(/["\\]/g, '\\$&')}"`;

const sectionSelector = (env) => `section.timeline[data-env=${cssString(env)}]`;
const markSelector = (env, seq) => `${sectionSelector(env)} svg.timeline-svg a.mark[data-seq="${seq}"]`;

/** Up to `n` items of a list, for messages. */
function some(list, n = 10) {
  const shown = list.slice(0, n).join(', ');
  return list.length > n ? `${shown}, … (${list.length} in all)` : shown;
}

// ---------------------------------------------------------------- the browser

/**
 * Opens the page with every request but the file itself blocked and
 * recorded, and console errors and page errors recorded.
 */
async function openPage(browser, fileUrl) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const seen = { requests: [], consoleErrors: [], pageErrors: [] };

  // Self-contained URLs (data:, blob:, about:) are not requests to anything.
  const isSelf = (url) => url.split('#')[0] === fileUrl || /^(data|blob|about):/.test(url);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    return isSelf(url) ? route.continue() : route.abort('blockedbyclient');
  });
  // The request event also sees what routing may not (e.g. a service worker's).
  const blocked = new Set();
  context.on('request', (req) => {
    if (isSelf(req.url())) return;
    blocked.add(req.url());
    seen.requests.push(`${req.resourceType()} ${req.url()}`);
  });
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = msg.location()?.url;
    // A blocked request's "Failed to load resource" is already reported.
    if (url && blocked.has(url) && msg.text().startsWith('Failed to load resource')) return;
    seen.consoleErrors.push(`${msg.text()}${url ? ` (${url}:${msg.location().lineNumber})` : ''}`);
  });
  page.on('pageerror', (err) => seen.pageErrors.push(String(err.message ?? err)));

  await page.goto(fileUrl, { waitUntil: 'load' });
  return { page, seen };
}

// ---------------------------------------------------------------- checks

/** Loads that a standalone page must not have in its markup. */
async function checkStandaloneMarkup(page) {
  const found = await page.evaluate(() => {
    const bad = [];
    const local = (v) => v == null || v === '' || v.startsWith('#') || /^(data|blob):/i.test(v);
    for (const el of document.querySelectorAll('script[src]')) bad.push(`<script src="${el.getAttribute('src')}">`);
    for (const el of document.querySelectorAll('link[href]')) {
      bad.push(`<link rel="${el.getAttribute('rel') ?? ''}" href="${el.getAttribute('href')}">`);
    }
    // Images, frames, media, embeds, SVG images and external <use>s.
    const loaders = 'img, iframe, frame, embed, video, audio, source, track, input[type=image], object, image, use, feImage';
    for (const el of document.querySelectorAll(loaders)) {
      for (const attr of ['src', 'srcset', 'data', 'poster', 'href', 'xlink:href']) {
        const v = el.getAttribute(attr);
        if (!local(v)) bad.push(`<${el.localName} ${attr}="${v}">`);
      }
    }
    // Fonts, imports and backgrounds from inline CSS.
    const css = [...document.querySelectorAll('style')].map((s) => s.textContent).join('\n')
      + [...document.querySelectorAll('[style]')].map((el) => el.getAttribute('style')).join('\n');
    for (const m of css.matchAll(/@import\s+[^;]+|url\(\s*['"]?([^'")]*)/gi)) {
      if (m[0].startsWith('@') || !local(m[1].trim())) bad.push(`CSS ${m[0].trim()}`);
    }
    return bad;
  });
  expect(found.length === 0, `the page loads things from outside itself: ${some(found)}`);
  return 'no <script src>, <link href>, external image/font/CSS url in the markup';
}

/** (1) Each env's section has exactly one mark per entry, of the right kind. */
async function checkMarks(page, envs) {
  const problems = [];
  let total = 0;
  for (const [env, entries] of envs) {
    const found = await page.evaluate(({ env }) => {
      const sections = [...document.querySelectorAll('section.timeline')].filter((s) => s.dataset.env === env);
      if (sections.length !== 1) return { sections: sections.length };
      const section = sections[0];
      const attr = (el, name) => el.getAttribute(name) ?? el.getAttributeNS('http://www.w3.org/1999/xlink', name);
      return {
        sections: 1,
        svgs: section.querySelectorAll('svg.timeline-svg').length,
        strays: [...section.querySelectorAll('a.mark')].filter((a) => !a.closest('svg.timeline-svg')).length,
        marks: [...section.querySelectorAll('svg.timeline-svg a.mark')].map((a) => ({
          seq: a.getAttribute('data-seq'),
          href: attr(a, 'href'),
          classes: [...a.classList],
        })),
      };
    }, { env });

    if (found.sections !== 1) {
      problems.push(`env ${env}: expected one <section class="timeline" data-env="${env}">, found ${found.sections}`);
      continue;
    }
    if (found.svgs === 0) problems.push(`env ${env}: no <svg class="timeline-svg"> in its section`);
    if (found.strays) problems.push(`env ${env}: ${found.strays} a.mark outside any svg.timeline-svg`);

    const want = new Map(entries.map((e) => [String(e.seq), e]));
    const got = found.marks.map((m) => m.seq);
    const missing = [...want.keys()].filter((s) => !got.includes(s));
    const extra = got.filter((s) => !want.has(s));
    const doubled = got.filter((s, i) => got.indexOf(s) !== i);
    if (got.length !== entries.length || missing.length || extra.length || doubled.length) {
      const parts = [`${got.length} marks for ${entries.length} entries`];
      if (missing.length) parts.push(`no mark for seq ${some(missing)}`);
      if (extra.length) parts.push(`marks for seq ${some(extra)} that are not ${env} entries`);
      if (doubled.length) parts.push(`more than one mark for seq ${some([...new Set(doubled)])}`);
      problems.push(`env ${env}: ${parts.join('; ')}`);
    }
    for (const m of found.marks) {
      const e = want.get(m.seq);
      if (!e) continue;
      if (!m.classes.includes(`mark-${e.kind}`)) {
        problems.push(`env ${env}: mark #${m.seq} is a ${e.kind} but has class "${m.classes.join(' ')}"`);
      }
      if (m.href !== `#entry-${m.seq}`) problems.push(`env ${env}: mark #${m.seq} has href ${JSON.stringify(m.href)}`);
    }
    total += entries.length;
  }
  expect(problems.length === 0, problems.join('\n     '));
  return `${envs.size} env sections, ${total} marks, one per log entry, with matching kind and href`;
}

/** (1b) Deploys and rollbacks draw a live bar, rollbacks a restores path to their target. */
async function checkBarsAndPaths(page, envs, voided) {
  const problems = [];
  let bars = 0;
  let paths = 0;
  for (const [env, entries] of envs) {
    const found = await page.evaluate(({ env }) => {
      const section = [...document.querySelectorAll('section.timeline')].find((s) => s.dataset.env === env);
      if (!section) return null;
      return {
        bars: [...section.querySelectorAll('rect.live-bar')].map((r) => r.getAttribute('data-seq')),
        paths: [...section.querySelectorAll('path.restores')].map((p) => ({
          seq: p.getAttribute('data-seq'), restores: p.getAttribute('data-restores'),
        })),
      };
    }, { env });
    if (!found) continue; // already reported by the marks check
    const kindOf = new Map(entries.map((e) => [String(e.seq), e.kind]));

    // A deploy or a rollback in force was live until the next one: one bar each.
    for (const seq of found.bars) {
      if (!['deploy', 'rollback'].includes(kindOf.get(seq))) {
        problems.push(`env ${env}: rect.live-bar data-seq=${seq} is not a ${env} deploy or rollback`);
      }
    }
    for (const e of entries.filter((e) => e.kind === 'deploy' || e.kind === 'rollback')) {
      const n = found.bars.filter((s) => s === String(e.seq)).length;
      if (n > 1) problems.push(`env ${env}: ${e.kind} #${e.seq} has ${n} live bars`);
      if (n === 0 && !voided.has(e.seq)) problems.push(`env ${env}: ${e.kind} #${e.seq} has no rect.live-bar`);
    }
    bars += found.bars.length;

    for (const p of found.paths) {
      if (kindOf.get(p.seq) !== 'rollback') problems.push(`env ${env}: path.restores data-seq=${p.seq} is not a ${env} rollback`);
    }
    for (const e of entries.filter((e) => e.kind === 'rollback')) {
      const mine = found.paths.filter((p) => p.seq === String(e.seq));
      if (mine.length !== 1) {
        problems.push(`env ${env}: rollback #${e.seq} has ${mine.length} path.restores, expected 1`);
      } else if (e.restores != null && mine[0].restores !== String(e.restores)) {
        problems.push(`env ${env}: rollback #${e.seq} restores #${e.restores}, its path says data-restores=${mine[0].restores}`);
      }
    }
    paths += found.paths.length;
  }
  expect(problems.length === 0, problems.join('\n     '));
  return `${bars} live bars on deploys, ${paths} restores paths matching their rollbacks`;
}

/** Every entry has its <details class="entry">, with a summary, closed. */
async function checkEntriesClosed(page, entries) {
  const found = await page.evaluate((seqs) => seqs.map((seq) => {
    const d = document.getElementById(`entry-${seq}`);
    if (!d) return { seq, problem: 'missing' };
    if (!d.matches('details.entry')) return { seq, problem: `is a <${d.localName} class="${d.className}">, not details.entry` };
    if (!d.querySelector(':scope > summary')) return { seq, problem: 'has no <summary>' };
    if (d.open) return { seq, problem: 'is open on load' };
    return null;
  }).filter(Boolean), entries.map((e) => e.seq));
  expect(found.length === 0, found.map((f) => `#entry-${f.seq} ${f.problem}`).join('\n     '));
  return `${entries.length} details.entry, each with a summary, all closed on load`;
}

/** Whether a mark is shown now (not in a closed details.older, say). */
const markVisible = (page, e) => page.locator(markSelector(e.env, e.seq)).isVisible();

/** The newest entry of `kind` whose mark is visible, else null. */
async function newestVisible(page, entries, kind) {
  for (const e of entries.filter((e) => e.kind === kind).sort(newestFirst)) {
    if (await markVisible(page, e)) return e;
  }
  return null;
}

/**
 * A real mouse click on `locator`; a failure names what stood in the way
 * (the last line of Playwright's call log: "<rect …> intercepts pointer
 * events", "element is not visible", …).
 */
async function realClick(locator, what) {
  try {
    await locator.click({ timeout: CLICK_TIMEOUT_MS });
  } catch (err) {
    const log = err.message.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim().replace(/^- /, ''));
    const reason = log.filter((l) => /intercepts pointer events|not visible|not stable|not enabled|outside of the viewport|detached/.test(l)).pop();
    throw new CheckFailed(`could not click ${what} within ${CLICK_TIMEOUT_MS} ms: ${reason ?? log[0]}`);
  }
}

/**
 * (2) A real mouse click on the entry's mark opens #entry-SEQ, scrolls it
 * into view, and shows its version and "#SEQ".
 */
async function clickMarkOpensEntry(page, e) {
  const id = `entry-${e.seq}`;
  await realClick(page.locator(markSelector(e.env, e.seq)), `the ${e.kind} mark #${e.seq} (${e.env})`);

  const opened = await page
    .waitForFunction((id) => document.getElementById(id)?.open === true, id, { timeout: CLICK_TIMEOUT_MS })
    .then(() => true, () => false);
  const hash = await page.evaluate(() => location.hash);
  expect(opened, `clicking the mark of ${e.kind} #${e.seq} (${e.env}) left #${id} closed (location.hash is ${JSON.stringify(hash)})`);
  expect(hash === `#${id}`, `clicking the mark of #${e.seq} navigated to ${JSON.stringify(hash)}, not #${id}`);

  const details = page.locator(`#${id}`);
  expect(await details.isVisible(), `#${id} is open but not visible (hidden by CSS or inside something closed)`);
  // The page may scroll smoothly: wait for the entry to reach the viewport.
  const inView = await page
    .waitForFunction((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      return r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
    }, id, { timeout: CLICK_TIMEOUT_MS })
    .then(() => true, () => false);
  expect(inView, `#${id} opened but was not scrolled into view`);

  const text = await details.innerText();
  expect(new RegExp(`#${e.seq}(?!\\d)`).test(text), `#${id} does not show "#${e.seq}"; its text starts ${JSON.stringify(text.slice(0, 120))}`);
  if (e.version) {
    expect(text.includes(e.version), `#${id} does not show its version ${e.version}; its text starts ${JSON.stringify(text.slice(0, 120))}`);
  }
  return `clicking the ${e.kind} mark #${e.seq} (${e.env}) opened #${id}, in view, showing #${e.seq}${e.version ? ` and ${e.version}` : ''}`;
}

/** (2) for the newest visible deploy (the log has at least one deploy). */
async function checkDeployClick(page, entries) {
  const deploys = entries.filter((e) => e.kind === 'deploy');
  const e = await newestVisible(page, entries, 'deploy');
  if (!e) {
    const present = await page.locator('svg.timeline-svg a.mark.mark-deploy').count();
    expect(false, `no deploy mark is visible on load: the log has ${deploys.length} deploys, the page ${present} deploy marks, none shown (all in closed details.older?)`);
  }
  return clickMarkOpensEntry(page, e);
}

/**
 * (2) for one rollback (the log has at least one): the newest visible one,
 * else the newest, after opening the details.older that holds it by
 * clicking its summary.
 */
async function checkRollbackClick(page, entries) {
  const rollbacks = entries.filter((e) => e.kind === 'rollback').sort(newestFirst);
  let e = await newestVisible(page, entries, 'rollback');
  let how = '';
  if (!e) {
    e = rollbacks[0];
    const older = page.locator(markSelector(e.env, e.seq)).locator('xpath=ancestor::details[contains(concat(" ", normalize-space(@class), " "), " older ")][1]');
    expect(await older.count() === 1, `rollback mark #${e.seq} is not visible and not inside a details.older`);
    await realClick(older.locator(':scope > summary'), `the summary of the details.older holding #${e.seq}`);
    expect(await markVisible(page, e), `rollback mark #${e.seq} is still hidden after opening its details.older`);
    how = ' (after opening its details.older)';
  }
  return (await clickMarkOpensEntry(page, e)) + how;
}

/** (4) A full-page screenshot. */
async function checkScreenshot(page, outDir) {
  const path = join(outDir, 'audit.png');
  await page.screenshot({ path, fullPage: true });
  return `full-page screenshot written to ${path}`;
}

/**
 * (5) In print, every details.entry is shown open.
 *
 * emulateMedia({media: 'print'}) switches the CSS media but fires no
 * beforeprint; page.pdf() is a real print and does fire it. So: emulate
 * print media, look (that is what print CSS alone achieves), then print to
 * PDF with a probe listening on beforeprint. The probe is added after the
 * page's own script ran, so it runs after the page's listeners, and looks
 * at the entries in print media as the printout would have them.
 */
async function checkPrint(page, outDir) {
  // In the page: which details.entry are not shown. An entry counts as shown
  // when open, or when its content besides the summary is rendered (print
  // CSS can show a closed <details>'s content). Kept in the page as
  // window.__ledgerShown, so the beforeprint probe can call it (no eval: the
  // page may forbid it by CSP).
  await page.evaluate(() => {
    window.__ledgerShown = () => {
      const all = [...document.querySelectorAll('details.entry')];
      const hidden = all.filter((d) => {
        const content = [...d.children].filter((c) => c.localName !== 'summary');
        return !(d.open || (content.length > 0 && content.every((c) => c.checkVisibility())));
      });
      return { total: all.length, hidden: hidden.map((d) => d.id || '(no id)') };
    };
    window.__ledgerPrintProbe = { fired: false };
    window.addEventListener('beforeprint', () => {
      window.__ledgerPrintProbe = { fired: true, ...window.__ledgerShown() };
    });
  });

  await page.emulateMedia({ media: 'print' });
  const byCss = await page.evaluate(() => window.__ledgerShown());
  const pdf = join(outDir, 'audit.pdf');
  await page.pdf({ path: pdf, printBackground: true });
  const probe = await page.evaluate(() => window.__ledgerPrintProbe);
  await page.emulateMedia({ media: 'screen' });

  expect(byCss.total > 0, 'no details.entry on the page');
  if (byCss.hidden.length === 0) {
    return `all ${byCss.total} details.entry shown in print media by CSS alone (printout: ${pdf})`;
  }
  expect(probe.fired,
    `print media shows ${byCss.hidden.length} of ${byCss.total} entries closed (${some(byCss.hidden)}) and printing fired no beforeprint`);
  expect(probe.hidden.length === 0,
    `in print, ${probe.hidden.length} of ${probe.total} details.entry stay closed after beforeprint: ${some(probe.hidden)}`);
  return `all ${probe.total} details.entry shown in print (opened by a beforeprint listener; printout: ${pdf})`;
}

/** (3) Nothing went out, nothing logged an error — over the whole run. */
function checkQuiet(seen) {
  const problems = [];
  if (seen.requests.length) problems.push(`requests other than the file itself: ${some(seen.requests)}`);
  if (seen.pageErrors.length) problems.push(`uncaught page errors: ${some(seen.pageErrors)}`);
  if (seen.consoleErrors.length) problems.push(`console errors: ${some(seen.consoleErrors)}`);
  expect(problems.length === 0, problems.join('\n     '));
  return 'no request but the file itself, no console error, no page error (load, clicks and print)';
}

// ---------------------------------------------------------------- main

async function main() {
  const [htmlPath, logPath, outDir] = process.argv.slice(2);
  if (!htmlPath || !logPath || !outDir) {
    console.error('usage: node check.mjs AUDIT_HTML LOG_JSON OUT_DIR');
    return 2;
  }
  const entries = readLog(logPath);
  const envs = byEnv(entries);
  mkdirSync(outDir, { recursive: true });
  const fileUrl = pathToFileURL(resolve(htmlPath)).href;
  console.error(`checking ${htmlPath} against ${logPath}: ${entries.length} entries in ${envs.size} env(s)`);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const { page, seen } = await openPage(browser, fileUrl);
    await check('standalone', () => checkStandaloneMarkup(page));
    await check('marks', () => checkMarks(page, envs));
    await check('bars and paths', () => checkBarsAndPaths(page, envs, voidedSeqs(entries)));
    await check('entries', () => checkEntriesClosed(page, entries));
    for (const [name, fn] of [['click deploy', checkDeployClick], ['click rollback', checkRollbackClick]]) {
      const kind = name.split(' ')[1];
      if (!entries.some((e) => e.kind === kind)) skip(name, `no ${kind} in the log`);
      else await check(name, () => fn(page, entries));
    }
    await check('screenshot', () => checkScreenshot(page, outDir));
    await check('print', () => checkPrint(page, outDir));
    await check('quiet', () => checkQuiet(seen));
  } finally {
    await browser.close();
  }

  console.error(results.failed ? `browser check FAILED (${outDir})` : `browser check passed (${outDir})`);
  // The plain closing line a CI log reader counts.
  console.error(`browser: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
  return results.failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`browser check could not run: ${err.message}`);
    process.exit(2);
  },
);
