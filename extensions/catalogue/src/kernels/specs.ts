/**
 * Staff kernels as the Lab sees them (no DOM): the `metadata.panhub` object that
 * `panhub kernels build` writes into each kernelspec (hub_config/panhub/kernels/kernelspec.py),
 * whether a spec is retired, and which version of a kernel name is current.
 */
import type { KernelSpec } from '@jupyterlab/services';

/** The part of a kernelspec's `metadata.panhub` that the Lab uses. */
export interface IPanhubKernel {
  /** The kernel's name without its version, e.g. `saxs`. */
  name: string;
  /** Its version, e.g. `2026.12`. */
  version: string;
  /** The technique's name for users, e.g. `SAXS/WAXS`. */
  techniqueLabel: string;
  /** Whether `panhub kernels retire` retired this version. */
  retired: boolean;
}

/** The name of the kernel that every technique's kernel builds on; first among staff kernels. */
export const BASE_KERNEL = 'base';

/**
 * The panhub part of a kernelspec's metadata, or null when the spec is not a staff kernel
 * (no `panhub` object or no name).
 */
export function panhubKernel(metadata: unknown): IPanhubKernel | null {
  if (!isObject(metadata) || !isObject(metadata.panhub)) {
    return null;
  }
  const panhub = metadata.panhub;
  if (typeof panhub.name !== 'string' || panhub.name === '') {
    return null;
  }
  return {
    name: panhub.name,
    version: typeof panhub.version === 'string' ? panhub.version : '',
    techniqueLabel:
      typeof panhub.technique_label === 'string' ? panhub.technique_label : panhub.name,
    retired: panhub.retired === true
  };
}

/** Whether the kernelspec `spec` is a retired staff kernel. */
export function isRetiredSpec(spec: KernelSpec.ISpecModel | undefined | null): boolean {
  return panhubKernel(spec?.metadata)?.retired === true;
}

/**
 * Compare two versions (`2026.12` < `2027.03` < `2027.10`): dot- or dash-separated parts,
 * numerically where both parts are numbers.
 */
export function compareVersions(a: string, b: string): number {
  const left = a.split(/[.-]/);
  const right = b.split(/[.-]/);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = left[i] ?? '';
    const y = right[i] ?? '';
    if (x === y) {
      continue;
    }
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) {
      return Number(x) - Number(y);
    }
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The spec name (e.g. `saxs-2027.03`) of the newest non-retired version of the kernel that
 * the spec `specName` is a version of; null if `specName` is not a staff kernel or no
 * current version is installed.
 */
export function currentSpecName(
  specs: KernelSpec.ISpecModels | null | undefined,
  specName: string
): string | null {
  const kernel = panhubKernel(specs?.kernelspecs[specName]?.metadata);
  if (!specs || kernel === null) {
    return null;
  }
  let best: [string, string] | null = null;
  for (const [name, spec] of Object.entries(specs.kernelspecs)) {
    const other = panhubKernel(spec?.metadata);
    if (other === null || other.name !== kernel.name || other.retired) {
      continue;
    }
    if (best === null || compareVersions(other.version, best[1]) > 0) {
      best = [name, other.version];
    }
  }
  return best === null ? null : best[0];
}

/**
 * The notice shown when a notebook starts on the retired spec `specName`:
 * `"saxs-2026.12 is retired; saxs-2027.03 is current. …"`.
 */
export function retiredNotice(specName: string, current: string | null): string {
  const still = `This notebook still runs on ${specName}`;
  if (current === null) {
    return `${specName} is retired and no current version is installed. ${still}; ask the beamline staff which kernel replaces it.`;
  }
  return `${specName} is retired; ${current} is current. ${still}; change the kernel to use ${current}.`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
