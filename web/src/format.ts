// Times and sizes as people read them, and user text with its links clickable.
import { h } from './dom';
import { actionLink } from './route';

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
// With its time zone ("Nov 25, 2026, 9:08 AM GMT+1"): teammates read it across zones (dateStyle cannot take timeZoneName).
const absolute = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short',
});

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Infinity],
];

export function ago(iso: string, now = Date.now()): string {
  let value = (Date.parse(iso) - now) / 1000;
  if (Math.abs(value) < 45) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return absolute.format(new Date(iso));
}

export const when = (iso: string) => absolute.format(new Date(iso));

/** A <time> saying "5 min. ago", the exact moment in its title; refreshed by refreshTimes(). */
export function timeAgo(iso: string): HTMLTimeElement {
  return h('time', { datetime: iso, title: when(iso), 'data-ago': '' }, ago(iso));
}

export function refreshTimes(root: ParentNode = document): void {
  const now = Date.now();
  for (const el of root.querySelectorAll<HTMLTimeElement>('time[data-ago]')) el.textContent = ago(el.dateTime, now);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

// ------------------------------------------------------------ text with links

// http(s) URLs and ACT-n references; a URL ends before white space, quotes and angle brackets.
const LINKABLE = /\bhttps?:\/\/[^\s<>"'`]+|\bACT-([1-9][0-9]{0,15})\b/gi;
const TRAILING = /[.,;:!?'"]+$/;

function urlLink(raw: string): [HTMLAnchorElement | null, string] {
  let text = raw.replace(TRAILING, '');
  // A closing bracket belongs to the URL only when it opens one too: "(see https://x/y)".
  while (/[)\]]$/.test(text) && (text.match(/[([]/g)?.length ?? 0) < (text.match(/[)\]]/g)?.length ?? 0)) text = text.slice(0, -1);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [null, raw];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [null, raw];
  return [h('a', { href: url.href, rel: 'noopener noreferrer', target: '_blank', class: 'ext' }, text), raw.slice(text.length)];
}

/**
 * User text with its http(s) links and ACT-n references clickable. Built node
 * by node: the text stays text, only http and https become hrefs, and ACT-n
 * goes to that action's permalink.
 */
export function linkify(text: string): Node[] {
  const out: Node[] = [];
  let last = 0;
  for (const match of text.matchAll(LINKABLE)) {
    const at = match.index;
    if (at > last) out.push(document.createTextNode(text.slice(last, at)));
    if (match[1]) {
      out.push(actionLink(Number(match[1]), match[0]));
    } else {
      const [link, rest] = urlLink(match[0]);
      out.push(link ?? document.createTextNode(rest));
      if (link && rest) out.push(document.createTextNode(rest));
    }
    last = at + match[0].length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}
