// Names from /etc/hosts, looked up the way Go's resolver does before it asks DNS
// (hostLookupFilesDNS): the DNS phase of a name in the hosts file is then the file
// lookup, as a Go client would see it, not glibc's getaddrinfo machinery.
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';

const HOSTS = '/etc/hosts';
const NSSWITCH = '/etc/nsswitch.conf';

let cache: { mtimeMs: number; byName: Map<string, string[]> } | null = null;
let filesFirst: boolean | null = null;

/** Whether nsswitch.conf consults files before dns (the default when it does not say). */
function hostsFileFirst(): boolean {
  if (filesFirst !== null) return filesFirst;
  filesFirst = true;
  try {
    const line = /^\s*hosts:\s*(.*)$/m.exec(readFileSync(NSSWITCH, 'utf8'))?.[1] ?? '';
    const sources = line
      .replace(/\[[^\]]*\]/g, ' ')
      .split(/\s+/)
      .filter(Boolean);
    const files = sources.indexOf('files');
    const dns = sources.indexOf('dns');
    filesFirst = files >= 0 && (dns < 0 || files < dns);
  } catch {
    // No nsswitch.conf: Go and glibc both default to files, then dns.
  }
  return filesFirst;
}

/** Addresses for `host` from /etc/hosts in file order, or null when it is not there (or files are not consulted first). */
export function lookupHostsFile(host: string): string[] | null {
  if (!hostsFileFirst()) return null;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(HOSTS).mtimeMs;
  } catch {
    return null;
  }
  if (!cache || cache.mtimeMs !== mtimeMs) cache = { mtimeMs, byName: parseHosts(readFileSync(HOSTS, 'utf8')) };
  return cache.byName.get(host.toLowerCase().replace(/\.$/, '')) ?? null;
}

export function parseHosts(text: string): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [addr, ...names] = line.split(/\s+/);
    const ip = addr!.replace(/%.*$/, '');
    if (!net.isIP(ip)) continue;
    for (const n of names) {
      const key = n.toLowerCase().replace(/\.$/, '');
      const list = byName.get(key) ?? [];
      if (!list.includes(ip)) list.push(ip);
      byName.set(key, list);
    }
  }
  return byName;
}
