/**
 * The Launcher's cards for staff kernels. JupyterLab's notebook and console extensions add
 * one card per kernelspec, with the spec's `metadata` as `item.metadata.kernel`, its
 * `display_name` as the label ("SAXS/WAXS (saxs 2026.12)") and its `logo-svg` as the icon,
 * rank 0 for the default kernel and `Infinity` for the others. Lab 4.6 has no setting to hide
 * a kernelspec, so `LauncherCurator` wraps `ILauncher.add`: cards of retired specs are held
 * back and staff kernels get a rank, so that they follow the default kernel together, `base`
 * first, then by technique (their labels start with the technique).
 */
import type { ILauncher } from '@jupyterlab/launcher';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';

import { BASE_KERNEL, panhubKernel } from './specs';

/** The settings of `@panhub/catalogue:kernels` that shape the Launcher. */
export interface ILauncherSettings {
  hideRetired: boolean;
  groupStaffKernels: boolean;
}

export const DEFAULT_LAUNCHER_SETTINGS: ILauncherSettings = {
  hideRetired: true,
  groupStaffKernels: true
};

/** The rank of `base`; the other staff kernels get `STAFF_RANK` (the default kernel has 0). */
export const BASE_RANK = 1;
export const STAFF_RANK = 2;

/**
 * What the Launcher shows for the item `options`: null to hide it, else the options to add
 * (with a rank for staff kernels). Items that are not kernels' are returned unchanged.
 */
export function curateItem(
  options: ILauncher.IItemOptions,
  settings: ILauncherSettings
): ILauncher.IItemOptions | null {
  const kernel = panhubKernel(kernelMetadata(options));
  if (kernel === null) {
    return options;
  }
  if (kernel.retired && settings.hideRetired) {
    return null;
  }
  if (!settings.groupStaffKernels || (options.rank !== undefined && options.rank < BASE_RANK)) {
    return options; // the default kernel keeps its place first
  }
  return { ...options, rank: kernel.name === BASE_KERNEL ? BASE_RANK : STAFF_RANK };
}

function kernelMetadata(options: ILauncher.IItemOptions): unknown {
  const metadata = options.metadata as ReadonlyJSONObject | undefined;
  return metadata?.kernel;
}

interface IEntry {
  options: ILauncher.IItemOptions;
  shown: IDisposable | null;
  /** Found in the Launcher before the wrapper was installed: no owner's disposable. */
  adopted: boolean;
}

/**
 * Wraps a Launcher model's `add` so that every item passes `curateItem`; `update` applies
 * new settings to every item seen. Items added before the wrapper are taken over too
 * (through the model's `itemsList`, where the model is Lab's `LauncherModel`).
 */
export class LauncherCurator implements IDisposable {
  constructor(launcher: ILauncher, settings: ILauncherSettings = DEFAULT_LAUNCHER_SETTINGS) {
    this._launcher = launcher;
    this._settings = settings;
    this._add = launcher.add.bind(launcher);
    launcher.add = (options: ILauncher.IItemOptions) => this._track(options, false);
    this._adopt();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  get settings(): ILauncherSettings {
    return this._settings;
  }

  /** Show every item again as `settings` say. */
  update(settings: ILauncherSettings): void {
    this._settings = settings;
    for (const entry of this._entries) {
      this._show(entry);
    }
  }

  /**
   * Forget the items taken over at start (call when the kernelspecs change: their owners
   * add them again, through the wrapper).
   */
  dropAdopted(): void {
    for (const entry of [...this._entries]) {
      if (entry.adopted) {
        entry.shown?.dispose();
        this._entries.delete(entry);
      }
    }
  }

  /** Restore the model's own `add`; items keep their current state. */
  dispose(): void {
    if (!this._isDisposed) {
      this._isDisposed = true;
      this._launcher.add = this._add;
      this._entries.clear();
    }
  }

  private _track(options: ILauncher.IItemOptions, adopted: boolean): IDisposable {
    const entry: IEntry = { options, shown: null, adopted };
    this._entries.add(entry);
    this._show(entry);
    return new DisposableDelegate(() => {
      entry.shown?.dispose();
      entry.shown = null;
      this._entries.delete(entry);
    });
  }

  private _show(entry: IEntry): void {
    entry.shown?.dispose();
    const curated = curateItem(entry.options, this._settings);
    entry.shown = curated === null ? null : this._add(curated);
  }

  private _adopt(): void {
    const list = (this._launcher as unknown as { itemsList?: unknown }).itemsList;
    if (!Array.isArray(list)) {
      return;
    }
    const existing = (list as ILauncher.IItemOptions[]).filter(
      item => panhubKernel(kernelMetadata(item)) !== null
    );
    for (const item of existing) {
      list.splice(list.indexOf(item), 1);
      this._track(item, true);
    }
    if (existing.length > 0) {
      // the wrapped `add` re-rendered the shown ones; a hidden one needs its own update
      const model = this._launcher as unknown as { stateChanged?: { emit(v: void): void } };
      model.stateChanged?.emit(undefined);
    }
  }

  private _launcher: ILauncher;
  private _settings: ILauncherSettings;
  private _add: (options: ILauncher.IItemOptions) => IDisposable;
  private _entries = new Set<IEntry>();
  private _isDisposed = false;
}
