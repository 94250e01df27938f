// A CPU quota for a process the test starts, as a container's CPU limit sets one: a cgroup
// (v1 `cpu` controller or v2 `cpu.max`) that lets its processes run `percent` of one CPU.
// Needs a writable cgroup filesystem (root in this sandbox and in CI); otherwise a reason.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface CpuQuota {
  /** Write a pid here to put that process under the quota. */
  procs: string;
  close(): void;
}

let made = 0;

export function cpuQuota(percent: number): CpuQuota | string {
  const name = `goscope-test-${process.pid}-${made++}`;
  const periodUs = 100_000;
  const quotaUs = Math.round(percent * 1000);
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const root = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/cpu';
  const dir = path.join(root, name);
  try {
    if (v2 && !readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8').split(/\s+/).includes('cpu')) {
      writeFileSync('/sys/fs/cgroup/cgroup.subtree_control', '+cpu');
    }
    mkdirSync(dir);
  } catch (e) {
    return `no cgroup for a CPU quota (${(e as Error).message}): needs root and a writable ${root}`;
  }
  try {
    if (v2) writeFileSync(path.join(dir, 'cpu.max'), `${quotaUs} ${periodUs}`);
    else {
      writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(periodUs));
      writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
    }
  } catch (e) {
    rmdirSync(dir);
    return `cannot set a CPU quota in ${dir} (${(e as Error).message})`;
  }
  return {
    procs: path.join(dir, 'cgroup.procs'),
    // A cgroup left behind holds nothing (its processes have exited); not worth failing a test.
    close: () => {
      try {
        rmdirSync(dir);
      } catch {
        /* kept: see above */
      }
    },
  };
}
