import { ILauncher, LauncherModel } from '@jupyterlab/launcher';
import type { KernelSpec } from '@jupyterlab/services';

import {
  BASE_RANK,
  DEFAULT_LAUNCHER_SETTINGS,
  LauncherCurator,
  STAFF_RANK,
  curateItem
} from '../launcher';
import { staffSpec } from './fixtures';

/** The card JupyterLab's notebook extension adds for `spec` (notebook-extension's launcher items). */
function card(spec: KernelSpec.ISpecModel, rank = Infinity): ILauncher.IItemOptions {
  return {
    command: 'notebook:create-new',
    args: { isLauncher: true, kernelName: spec.name },
    category: 'Notebook',
    rank,
    kernelIconUrl: spec.resources['logo-svg'],
    metadata: { kernel: JSON.parse(JSON.stringify(spec.metadata ?? {})) }
  };
}

const python3 = card(
  { name: 'python3', display_name: 'Python 3', language: 'python', argv: [], resources: {} },
  0
);
const base = card(staffSpec('base', '2026.12', 'Base'));
const saxs = card(staffSpec('saxs', '2026.12', 'SAXS/WAXS'));
const saxsRetired = card(staffSpec('saxs', '2026.06', 'SAXS/WAXS', true));
const other = { command: 'fileeditor:create-new', category: 'Other', rank: 1 };

function kernelNames(model: LauncherModel): string[] {
  return [...model.items()].map(item => String(item.args?.kernelName ?? item.command));
}

describe('curateItem', () => {
  it('hides retired staff kernels', () => {
    expect(curateItem(saxsRetired, DEFAULT_LAUNCHER_SETTINGS)).toBeNull();
  });

  it('shows them when hideRetired is off', () => {
    const settings = { ...DEFAULT_LAUNCHER_SETTINGS, hideRetired: false };
    expect(curateItem(saxsRetired, settings)?.rank).toBe(STAFF_RANK);
  });

  it('ranks base first among staff kernels, after the default kernel', () => {
    expect(curateItem(base, DEFAULT_LAUNCHER_SETTINGS)?.rank).toBe(BASE_RANK);
    expect(curateItem(saxs, DEFAULT_LAUNCHER_SETTINGS)?.rank).toBe(STAFF_RANK);
    expect(curateItem(python3, DEFAULT_LAUNCHER_SETTINGS)).toBe(python3);
  });

  it('keeps the label, icon, command and category', () => {
    const curated = curateItem(saxs, DEFAULT_LAUNCHER_SETTINGS)!;
    expect({ ...curated, rank: saxs.rank }).toEqual(saxs);
  });

  it('leaves other items and ungrouped kernels alone', () => {
    expect(curateItem(other, DEFAULT_LAUNCHER_SETTINGS)).toBe(other);
    const settings = { ...DEFAULT_LAUNCHER_SETTINGS, groupStaffKernels: false };
    expect(curateItem(saxs, settings)).toBe(saxs);
  });
});

describe('LauncherCurator', () => {
  it('never adds the cards of retired kernels', () => {
    const model = new LauncherModel();
    const curator = new LauncherCurator(model);
    model.add(python3);
    model.add(saxs);
    const hidden = model.add(saxsRetired);
    expect(kernelNames(model)).toEqual(['python3', 'saxs-2026.12']);
    expect(() => hidden.dispose()).not.toThrow();
    curator.dispose();
  });

  it('takes over cards added before it', () => {
    const model = new LauncherModel();
    model.add(other);
    model.add(saxsRetired);
    const owner = model.add(saxs);
    const curator = new LauncherCurator(model);
    expect(kernelNames(model)).toEqual(['fileeditor:create-new', 'saxs-2026.12']);
    expect([...model.items()][1].rank).toBe(STAFF_RANK);
    // the owner's disposable is stale; the curator forgets them when the specs change
    owner.dispose();
    curator.dropAdopted();
    expect(kernelNames(model)).toEqual(['fileeditor:create-new']);
    curator.dispose();
  });

  it('applies new settings to every card', () => {
    const model = new LauncherModel();
    const curator = new LauncherCurator(model);
    model.add(saxs);
    model.add(saxsRetired);
    curator.update({ hideRetired: false, groupStaffKernels: true });
    expect(kernelNames(model).sort()).toEqual(['saxs-2026.06', 'saxs-2026.12']);
    curator.update(DEFAULT_LAUNCHER_SETTINGS);
    expect(kernelNames(model)).toEqual(['saxs-2026.12']);
    curator.dispose();
  });

  it('removes a card when its owner disposes it (the kernelspecs changed)', () => {
    const model = new LauncherModel();
    const curator = new LauncherCurator(model);
    const owner = model.add(saxs);
    let changes = 0;
    model.stateChanged.connect(() => changes++);
    owner.dispose();
    expect(kernelNames(model)).toEqual([]);
    expect(changes).toBe(1);
    curator.dispose();
    expect(curator.isDisposed).toBe(true);
  });
});
