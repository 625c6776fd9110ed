import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { KernelSpec } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';

import { CHANGE_KERNEL, noticeFor, watchNotebook } from '../notice';
import { specModels, staffSpec } from './fixtures';

describe('noticeFor', () => {
  const specs = specModels(
    staffSpec('saxs', '2026.12', 'SAXS/WAXS', true),
    staffSpec('saxs', '2027.03', 'SAXS/WAXS')
  );

  it('names the current version for a retired kernel', () => {
    expect(noticeFor(specs, 'saxs-2026.12')).toMatch(
      /^saxs-2026\.12 is retired; saxs-2027\.03 is current\./
    );
  });

  it('is null for kernels that are not retired or unknown', () => {
    expect(noticeFor(specs, 'saxs-2027.03')).toBeNull();
    expect(noticeFor(specs, 'python3')).toBeNull();
    expect(noticeFor(specs, undefined)).toBeNull();
    expect(noticeFor(null, 'saxs-2026.12')).toBeNull();
  });
});

describe('watchNotebook', () => {
  const specs = specModels(
    staffSpec('saxs', '2026.12', 'SAXS/WAXS', true),
    staffSpec('saxs', '2027.03', 'SAXS/WAXS')
  );

  function fakePanel(kernelName: string) {
    const kernelChanged = new Signal<unknown, unknown>({});
    const sessionContext = {
      session: { kernel: { name: kernelName } },
      kernelChanged,
      ready: Promise.resolve()
    };
    return {
      panel: {
        sessionContext,
        isDisposed: false,
        title: { label: 'old.ipynb' },
        content: { activate: jest.fn() }
      } as unknown as NotebookPanel,
      sessionContext
    };
  }

  function options(enabled = true) {
    return {
      kernelspecs: { ready: Promise.resolve(), specs } as unknown as KernelSpec.IManager,
      enabled: () => enabled,
      execute: jest.fn(() => Promise.resolve())
    };
  }

  async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await Promise.resolve();
    }
  }

  let warning: jest.SpyInstance;
  beforeEach(() => {
    warning = jest.spyOn(Notification, 'warning').mockReturnValue('id');
  });
  afterEach(() => warning.mockRestore());

  it('warns once, with a button that changes the kernel', async () => {
    const { panel, sessionContext } = fakePanel('saxs-2026.12');
    const opts = options();
    watchNotebook(panel, opts);
    sessionContext.kernelChanged.emit(undefined); // arrives with `ready`
    await settle();
    sessionContext.kernelChanged.emit(undefined); // a restart: same kernel, no new notice
    await settle();
    expect(warning).toHaveBeenCalledTimes(1);
    const [text, notice] = warning.mock.calls[0];
    expect(text).toMatch(/^saxs-2026\.12 is retired; saxs-2027\.03 is current\./);
    expect(notice.autoClose).toBe(false);
    notice.actions[0].callback(new MouseEvent('click'));
    expect(opts.execute).toHaveBeenCalledWith(CHANGE_KERNEL);
  });

  it('says nothing for a current kernel or when switched off', async () => {
    watchNotebook(fakePanel('saxs-2027.03').panel, options());
    watchNotebook(fakePanel('saxs-2026.12').panel, options(false));
    await settle();
    expect(warning).not.toHaveBeenCalled();
  });
});
