/**
 * The one kernel that serves every viewer tab of this Lab page, and its widget manager.
 *
 * JupyterLab's widget manager plugin attaches managers only to notebooks and
 * consoles, and keeps the widget modules registered through IJupyterWidgetRegistry
 * (base, controls, anywidget, ...) in a module-private list. Its exported
 * `registerWidgetManager(context, rendermime, renderers)` is the one public entry
 * that builds a manager fed from that list; it needs a document context only for
 * its session context (plus a model, a save signal and a URL resolver, which a
 * viewer never uses), so the kernel here hands it a minimal one.
 *
 * The manager module is imported lazily from the shared scope (the copy
 * jupyterlab_widgets ships, never a second one): without ipywidgets in the Lab,
 * only opening a viewer fails, with a message, not the whole extension.
 */
import { SessionContext, ISessionContext } from '@jupyterlab/apputils';
import { IRenderMimeRegistry, RenderMimeRegistry } from '@jupyterlab/rendermime';
import { Kernel, ServerConnection, ServiceManager } from '@jupyterlab/services';
import { UUID } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';

/** The session type of the viewer kernel (in the Running panel and GET /api/sessions). */
export const SESSION_TYPE = 'panhub-viewer';

/** What a warm kernel runs first: the modules every viewer needs. */
export const WARM_CODE =
  'import panhub_nexus.widget, panhub_nexus.core.locate  # the NeXus viewer, ahead of its first file';

/** A started kernel with its widget-aware rendermime, shared by the viewer tabs. */
export interface IViewerRuntime {
  readonly sessionContext: ISessionContext;
  readonly rendermime: IRenderMimeRegistry;
}

/**
 * Starts the kernel with the first viewer, shuts it down with the last one.
 */
export class ViewerKernel {
  constructor(options: ViewerKernel.IOptions) {
    this._services = options.serviceManager;
    this._rendermime = options.rendermime;
    this._kernelName = options.kernelName ?? 'python3';
    window.addEventListener('pagehide', this._onPageHide);
  }

  /** Name of the kernel spec used for the next kernel started. */
  get kernelName(): string {
    return this._kernelName;
  }
  set kernelName(name: string) {
    this._kernelName = name || 'python3';
  }

  /** The running kernel, if any (resolved). */
  get current(): IViewerRuntime | null {
    return this._current;
  }

  /** Number of viewers holding the kernel. */
  get users(): number {
    return this._users.size;
  }

  /** Emitted when the kernel dies or restarts under open viewers. */
  get lost(): Signal<this, string> {
    return this._lost;
  }

  /**
   * Start the kernel ahead of the first viewer, with the viewer's modules imported,
   * so that opening a file costs the file, not a kernel's start; shut it down after
   * `idleMs` if no viewer has taken it by then.
   */
  warm(idleMs: number): void {
    if (this._runtime) {
      return;
    }
    const pending = (this._runtime = this._start());
    pending.then(
      runtime => {
        runtime.sessionContext.session?.kernel?.requestExecute({
          code: WARM_CODE,
          silent: true,
          store_history: false
        });
        this._idle = window.setTimeout(() => {
          this._idle = null;
          if (this._users.size === 0 && this._runtime === pending) {
            this._runtime = null;
            void this._stop(runtime);
          }
        }, idleMs);
      },
      () => {
        if (this._runtime === pending) {
          this._runtime = null;
        }
      }
    );
  }

  /**
   * Hold the kernel for viewer `key` (starting it if needed) and return it.
   */
  async acquire(key: string): Promise<IViewerRuntime> {
    this._users.add(key);
    if (this._idle !== null) {
      window.clearTimeout(this._idle);
      this._idle = null;
    }
    try {
      if (!this._runtime) {
        this._runtime = this._start();
      }
      return await this._runtime;
    } catch (err) {
      this._users.delete(key);
      this._runtime = null;
      throw err;
    }
  }

  /**
   * Release viewer `key`; run `code` first (closing its widget); shut the kernel
   * down when no viewer holds it any more.
   */
  async release(key: string, code?: string): Promise<void> {
    if (!this._users.delete(key)) {
      return;
    }
    const pending = this._runtime;
    if (!pending) {
      return;
    }
    let runtime: IViewerRuntime | null = null;
    try {
      runtime = await pending;
    } catch {
      return;
    }
    if (this._users.size > 0) {
      const kernel = runtime.sessionContext.session?.kernel;
      if (code && kernel) {
        kernel.requestExecute({ code, silent: true, store_history: false });
      }
      return;
    }
    if (this._runtime === pending) {
      this._runtime = null;
      await this._stop(runtime);
    }
  }

  /**
   * Shut down viewer kernels that no page is connected to any more (a page that
   * crashed, or closed without its `pagehide` request reaching the server). A
   * viewer kernel of another open page keeps its connection and is left alone.
   */
  async reapOrphans(): Promise<number> {
    const sessions = this._services.sessions;
    await sessions.ready;
    await sessions.refreshRunning();
    let count = 0;
    for (const model of Array.from(sessions.running())) {
      const connections = (model.kernel as { connections?: number } | null)
        ?.connections;
      if (model.type === SESSION_TYPE && connections === 0) {
        await sessions.shutdown(model.id).catch(() => undefined);
        count += 1;
      }
    }
    return count;
  }

  /** Shut everything down (the plugin never does; tests may). */
  async dispose(): Promise<void> {
    window.removeEventListener('pagehide', this._onPageHide);
    this._users.clear();
    const pending = this._runtime;
    this._runtime = null;
    if (pending) {
      await this._stop(await pending);
    }
  }

  private async _start(): Promise<IViewerRuntime> {
    const { registerWidgetManager } = await Private.loadManager();
    await this._services.kernelspecs.ready;
    const specs = this._services.kernelspecs.specs;
    const name = this._kernelName;
    if (!specs?.kernelspecs[name]) {
      throw new Error(
        `There is no kernel named "${name}" in this server ` +
          '(setting "kernelName" of the NeXus viewer).'
      );
    }
    const sessionContext = new SessionContext({
      sessionManager: this._services.sessions,
      specsManager: this._services.kernelspecs,
      path: `.panhub-viewer-${UUID.uuid4()}`,
      name: 'NeXus viewer',
      type: SESSION_TYPE,
      kernelPreference: {
        name,
        shouldStart: true,
        canStart: true,
        shouldReuse: false,
        autoStartDefault: false,
        shutdownOnDispose: true
      }
    });
    await sessionContext.initialize();
    const kernel = sessionContext.session?.kernel;
    if (!kernel) {
      sessionContext.dispose();
      throw new Error(`The kernel "${name}" did not start.`);
    }
    // Comms on the main shell, not on kernel subshells (JupyterLab 4.6's default,
    // one subshell per comm target): the widget manager's first state request opens
    // and closes a 'jupyter.widget.control' comm, whose subshell is deleted while the
    // viewer's own comms are being set up, and the kernel then refuses the viewer's
    // messages ("Unknown subshell_id"). This kernel runs no long cells, so the
    // subshells would buy nothing.
    if ('commsOverSubshells' in kernel) {
      kernel.commsOverSubshells = 'disabled' as Kernel.IKernelConnection['commsOverSubshells'];
    }
    this._sessionId = sessionContext.session?.id ?? null;
    const rendermime = this._rendermime.clone({
      resolver: new RenderMimeRegistry.UrlResolver({
        path: '',
        contents: this._services.contents
      })
    });
    const manager = registerWidgetManager(
      Private.makeContext(sessionContext, this._services) as any,
      rendermime,
      [][Symbol.iterator]()
    );
    sessionContext.statusChanged.connect((_, status) => {
      if (status === 'dead' || status === 'restarting') {
        this._lost.emit(
          status === 'dead'
            ? 'The viewer kernel died (out of memory?). Close and reopen the file.'
            : 'The viewer kernel restarted. Close and reopen the file.'
        );
      }
    });
    this._manager = manager;
    this._current = { sessionContext, rendermime };
    return this._current;
  }

  private async _stop(runtime: IViewerRuntime): Promise<void> {
    this._sessionId = null;
    if (this._current === runtime) {
      this._current = null;
    }
    const manager = this._manager;
    this._manager = null;
    try {
      await runtime.sessionContext.shutdown();
    } finally {
      runtime.sessionContext.dispose();
      manager?.dispose();
    }
  }

  /**
   * The page goes away: shut the kernel down with a request that outlives the page
   * (a reload restores the tabs with a new kernel; nothing is left behind).
   */
  private _onPageHide = (): void => {
    if (!this._sessionId) {
      return;
    }
    const settings = this._services.serverSettings;
    const url = `${settings.baseUrl}api/sessions/${encodeURIComponent(this._sessionId)}`;
    void ServerConnection.makeRequest(
      url,
      { method: 'DELETE', keepalive: true },
      settings
    ).catch(() => undefined);
  };

  private _services: ServiceManager.IManager;
  private _rendermime: IRenderMimeRegistry;
  private _kernelName: string;
  private _users = new Set<string>();
  private _runtime: Promise<IViewerRuntime> | null = null;
  private _manager: IDisposable | null = null;
  private _sessionId: string | null = null;
  private _current: IViewerRuntime | null = null;
  private _lost = new Signal<this, string>(this);
  private _idle: number | null = null;
}

export namespace ViewerKernel {
  export interface IOptions {
    serviceManager: ServiceManager.IManager;
    rendermime: IRenderMimeRegistry;
    kernelName?: string;
  }
}

namespace Private {
  type ManagerModule = typeof import('@jupyter-widgets/jupyterlab-manager');

  let manager: Promise<ManagerModule> | null = null;

  /** The widget manager module shared by jupyterlab_widgets. */
  export function loadManager(): Promise<ManagerModule> {
    if (!manager) {
      manager = import('@jupyter-widgets/jupyterlab-manager').catch(err => {
        manager = null;
        throw new Error(
          'Jupyter widgets are not available in this JupyterLab ' +
            `(jupyterlab_widgets is missing): ${err}`
        );
      });
    }
    return manager;
  }

  /**
   * The parts of a document context that a widget manager reads: the session, a
   * model without saved widget state, a save signal that never fires, URLs.
   */
  export function makeContext(
    sessionContext: ISessionContext,
    services: ServiceManager.IManager
  ): unknown {
    return {
      sessionContext,
      path: '',
      saveState: new Signal<unknown, string>(sessionContext),
      model: {
        dirty: false,
        getMetadata: (): undefined => undefined,
        setMetadata: (): void => undefined
      },
      urlResolver: new RenderMimeRegistry.UrlResolver({
        path: '',
        contents: services.contents
      })
    };
  }
}
