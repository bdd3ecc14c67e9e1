/**
 * A unified diff (`diff -u`, 3 lines of context) of two versions of one file whose changes lie in
 * one region — what a database request produces — as a single hunk from the first to the last
 * changed line. `git apply` and `patch` accept it.
 */
export function unifiedDiff(before: string, after: string, file: string, context = 3): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const from = Math.max(0, head - context);
  const aEnd = Math.min(a.length, a.length - tail + context);
  const bEnd = Math.min(b.length, b.length - tail + context);
  // A text ending in a newline splits into a last empty element that is not a line.
  const aLines = a.length - (before.endsWith('\n') ? 1 : 0);
  const bLines = b.length - (after.endsWith('\n') ? 1 : 0);
  const lines = [`--- a/${file}`, `+++ b/${file}`];
  const aCount = Math.min(aEnd, aLines) - from;
  const bCount = Math.min(bEnd, bLines) - from;
  lines.push(`@@ -${aCount === 0 ? from : from + 1},${aCount} +${bCount === 0 ? from : from + 1},${bCount} @@`);
  for (let i = from; i < head; i++) lines.push(` ${a[i]}`);
  for (let i = head; i < a.length - tail && i < aLines; i++) lines.push(`-${a[i]}`);
  for (let i = head; i < b.length - tail && i < bLines; i++) lines.push(`+${b[i]}`);
  for (let i = a.length - tail; i < aEnd && i < aLines; i++) lines.push(` ${a[i]}`);
  return `${lines.join('\n')}\n`;
}
