import type { KernelSpec } from '@jupyterlab/services';

/** A kernelspec as `panhub kernels build` installs it (hub_config/panhub/kernels/kernelspec.py). */
export function staffSpec(
  name: string,
  version: string,
  label: string,
  retired = false
): KernelSpec.ISpecModel {
  return {
    name: `${name}-${version}`,
    display_name: `${label} (${name} ${version}${retired ? ', retired' : ''})`,
    language: 'python',
    argv: ['python', '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
    resources: { 'logo-svg': `/kernelspecs/${name}-${version}/logo-svg.svg` },
    metadata: {
      debugger: true,
      panhub: {
        name,
        version,
        technique_label: label,
        technique: label.toLowerCase(),
        retired
      }
    }
  };
}

export function specModels(...specs: KernelSpec.ISpecModel[]): KernelSpec.ISpecModels {
  const python3: KernelSpec.ISpecModel = {
    name: 'python3',
    display_name: 'Python 3 (ipykernel)',
    language: 'python',
    argv: ['python'],
    resources: {}
  };
  const kernelspecs: Record<string, KernelSpec.ISpecModel> = { python3 };
  for (const spec of specs) {
    kernelspecs[spec.name] = spec;
  }
  return { default: 'python3', kernelspecs };
}
