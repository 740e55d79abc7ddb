import type { LeakOptions, LeakReport } from '../../measure/leak';
import { formatSize } from '../../util/sizes';
import { matcherCore, outsideTestFigures } from '../runtime/bridge';
import { andThen, checkFunction, matcherError, recordFigure, siteLine, withinTestTimeout, type ExpectationResult, type MatcherContext } from './shared';

const name = 'toLeak';
const count = (n: number): string => n.toLocaleString('en-US');

/** Rounds as `16-32,768 calls: +0 B, +1.2 KiB, ...`. */
function rounds(report: LeakReport): string {
  const first = report.calls[0] ?? 0;
  const last = report.calls[report.calls.length - 1] ?? 0;
  return `rounds of ${count(first)}-${count(last)} calls grew ${report.growths.map((g) => formatSize(g, true)).join(', ')}`;
}

/** The rule, with the options that move it, so that a surprised reader knows what to change. */
function rule(report: LeakReport): string {
  return (
    `A leak is growth of at least ${formatSize(report.threshold)} per call (threshold) over the last two rounds, after full GCs, and half of it in two of the last three, ` +
    `that a heap snapshot comparison over at least as many calls again confirms as the program's own objects ` +
    `(rounds double from ${count(report.iterations)} calls, after ${count(report.warmup)} warm-up calls, within ${count(report.timeBudget)} ms: timeBudget).`
  );
}

function whatGrew(report: LeakReport): string {
  const c = report.confirmation;
  if (!c) return '';
  const lines: string[] = [];
  const shown = c.holders.filter((h) => h.bytes >= Math.max(1024, c.bytes * 0.05));
  if (shown.length > 0) {
    lines.push('', 'What grew (who holds it):');
    for (const h of shown) {
      const held = h.path ? ` held by \`${h.path}\`` : '';
      lines.push(`  ${h.kind}${held}: ${formatSize(h.bytes, true)}, ${h.objects >= 0 ? '+' : ''}${count(h.objects)} objects`);
    }
  }
  if (c.sites.length > 0) {
    lines.push('', `Allocated by (objects still alive after a round of calls):`);
    for (const site of c.sites) lines.push(`  ${siteLine(site)}`);
  } else if (c.sitesSkipped && report.leaking) {
    lines.push('', `Allocated by: not looked for, ${c.sitesSkipped}`);
  }
  return lines.join('\n');
}

function leakMessage(report: LeakReport): string {
  const lastTwo = (report.calls[report.calls.length - 1] ?? 0) + (report.calls[report.calls.length - 2] ?? 0);
  const lines = [`Received: ${formatSize(report.perCall, true)} per call over the last ${count(lastTwo)} calls (${rounds(report)})`];
  const c = report.confirmation;
  if (c) {
    lines.push(
      `          a heap snapshot comparison over ${count(c.calls)} more calls: the program's objects grew by ${formatSize(c.bytes, true)} (${formatSize(c.perCall, true)} per call)`,
    );
  } else if (report.unconfirmed) {
    lines.push(`          not confirmed by a heap snapshot comparison: ${report.unconfirmed}`);
  }
  return lines.join('\n');
}

function noLeakMessage(report: LeakReport): string {
  const lines = [leakMessage(report)];
  if (report.fading) lines.push(`          fading: under a quarter of the rate of the rounds before (a warm-up, not a leak)`);
  const c = report.confirmation;
  if (c) lines.push(`          too little for a leak; the rest was V8's own (compiled code, feedback, weak tables: ${formatSize(c.v8Bytes, true)})`);
  return lines.join('\n');
}

/** `expect(fn).not.toLeak({ warmup, iterations, rounds, threshold, timeBudget })`: memory keeps growing across calls. */
export function toLeak(this: MatcherContext, received: unknown, options?: unknown): ExpectationResult {
  checkFunction(this, name, received);
  try {
    matcherCore().readLeakOptions(options as LeakOptions | undefined);
  } catch (error) {
    throw matcherError(this, name, 'options must be { warmup?, iterations?, rounds?, threshold?, timeBudget? }', (error as Error).message);
  }
  const hint = this.utils.matcherHint(name, 'fn', '', { isNot: this.isNot, promise: this.promise });
  const detected = withinTestTimeout(this, name, 'warmup, iterations, rounds, timeBudget', (deadline) =>
    outsideTestFigures(() => matcherCore().detectLeakWithin(received, options as LeakOptions | undefined, deadline)),
  );
  return andThen(detected, (report) => {
    recordFigure(this, { matcher: name, figure: 'growth', bytes: Math.max(0, Math.round(report.perCall)), pass: report.leaking !== this.isNot });
    return {
      pass: report.leaking,
      message: () =>
        `${hint}\n\n` +
        `Expected fn ${this.isNot ? 'not ' : ''}to leak: memory ${this.isNot ? 'to stop' : 'to keep'} growing as calls repeat\n` +
        `${report.leaking ? leakMessage(report) : noLeakMessage(report)}` +
        `${whatGrew(report)}\n\n${rule(report)}`,
    };
  });
}
