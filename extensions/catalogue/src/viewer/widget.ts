/**
 * The NeXus viewer tab: a document whose content is never fetched, showing panhub's
 * NexusViewer widget, run in the shared viewer kernel.
 */
import * as nbformat from '@jupyterlab/nbformat';
import {
  ABCWidgetFactory,
  DocumentModel,
  DocumentRegistry,
  DocumentWidget,
  TextModelFactory
} from '@jupyterlab/docregistry';
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { IRenderMime } from '@jupyterlab/rendermime';
import { Contents } from '@jupyterlab/services';
import { UUID } from '@lumino/coreutils';
import { Message } from '@lumino/messaging';
import { PanelLayout, Widget } from '@lumino/widgets';

import {
  describeError,
  makeCloseCode,
  makeOpenCode,
  MESSAGE_MIME,
  MODEL
} from './files';
import { IViewerRuntime, ViewerKernel } from './kernel';

/**
 * A text model factory whose documents never load the file: `fileFormat: null`
 * makes the document context ask the contents API for the model only
 * (`content=0`), so a 20 GB file opens as fast as a small one.
 */
export class NexusModelFactory extends TextModelFactory {
  constructor() {
    super(false);
  }
  get name(): string {
    return MODEL;
  }
  get fileFormat(): Contents.FileFormat {
    return null;
  }
}

/**
 * An output model that turns a kernel error into one short message (its name and
 * value), never a traceback.
 */
export class ViewerOutputModel extends OutputAreaModel {
  add(output: nbformat.IOutput): number {
    if (output.output_type === 'error') {
      const error = output as nbformat.IError;
      output = {
        output_type: 'display_data',
        data: {
          [MESSAGE_MIME]: { message: describeError(error.ename, error.evalue) },
          'text/plain': describeError(error.ename, error.evalue)
        },
        metadata: {}
      };
    }
    return super.add(output);
  }
}

/**
 * Renders MESSAGE_MIME: a message where the viewer would be.
 */
export class ViewerMessage extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('jp-PanhubViewer-message');
    this.node.setAttribute('role', 'alert');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = (model.data[MESSAGE_MIME] ?? {}) as { message?: string };
    setMessage(this.node, data.message ?? 'The viewer could not open this file.');
  }
}

/** The renderer factory of MESSAGE_MIME (added to the viewer kernel's rendermime). */
export const messageRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MESSAGE_MIME],
  createRenderer: () => new ViewerMessage()
};

function setMessage(node: HTMLElement, message: string): void {
  node.textContent = '';
  const title = document.createElement('strong');
  title.textContent = 'The viewer could not open this file. ';
  const text = document.createElement('span');
  text.textContent = message;
  const hint = document.createElement('span');
  hint.className = 'jp-PanhubViewer-hint';
  hint.textContent =
    'A file still being written may open later: Reload in the toolbar tries again.';
  node.append(title, text, hint);
}

/**
 * The tab's content: the viewer widget of one file (absolute path), or a message.
 */
export class NexusViewerPanel extends Widget {
  constructor(options: NexusViewerPanel.IOptions) {
    super();
    this.addClass('jp-PanhubViewer');
    this._kernel = options.kernel;
    this._resolve = options.resolve;
    this.layout = new PanelLayout();
    this._status = new Widget();
    this._status.addClass('jp-PanhubViewer-status');
    this._status.node.setAttribute('role', 'status');
    (this.layout as PanelLayout).addWidget(this._status);
    this._kernel.lost.connect(this._onLost, this);
  }

  /** The absolute path shown, once resolved. */
  get path(): string | null {
    return this._path;
  }

  /** Resolves when the viewer (or its message) is shown. */
  get ready(): Promise<void> {
    return this._ready;
  }

  /**
   * Open the file: resolve its absolute path, hold the kernel, show the viewer.
   */
  open(): Promise<void> {
    this._ready = this._open();
    return this._ready;
  }

  /**
   * Show the file again (a file still being written may have grown, or become
   * readable): close the viewer in the kernel and open a new one.
   */
  async reopen(): Promise<void> {
    await this._ready;
    const kernel = this._kernel.current?.sessionContext.session?.kernel;
    if (kernel) {
      await kernel.requestExecute({
        code: makeCloseCode(this._key),
        silent: true,
        store_history: false
      }).done.catch(() => undefined);
    }
    return this.open();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._kernel.lost.disconnect(this._onLost, this);
    void this._kernel.release(this._key, makeCloseCode(this._key));
    super.dispose();
  }

  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  private async _open(): Promise<void> {
    this._showStatus('Starting the viewer…');
    let runtime: IViewerRuntime;
    let path: string;
    try {
      path = await this._resolve();
      this._path = path;
      if (this.isDisposed) {
        return;
      }
      runtime = await this._kernel.acquire(this._key);
    } catch (err) {
      this._showMessage(err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.isDisposed) {
      // closed while the kernel started: dispose() released it before it was held
      void this._kernel.release(this._key);
      return;
    }
    this._output?.dispose();
    const output = new OutputArea({
      model: new ViewerOutputModel({ trusted: true }),
      rendermime: runtime.rendermime
    });
    output.addClass('jp-PanhubViewer-output');
    this._output = output;
    (this.layout as PanelLayout).addWidget(output);
    const kernel = runtime.sessionContext.session?.kernel;
    if (!kernel) {
      this._showMessage('The viewer kernel is not running.');
      return;
    }
    this._showStatus(`Opening ${path}…`);
    const future = kernel.requestExecute({
      code: makeOpenCode(this._key, path),
      store_history: false,
      stop_on_error: false
    });
    output.future = future;
    try {
      await future.done;
    } catch (err) {
      this._showMessage(`The viewer kernel stopped: ${err}`);
      return;
    }
    this._showStatus('');
  }

  private _onLost(_: ViewerKernel, message: string): void {
    this._showMessage(message);
  }

  private _showStatus(text: string): void {
    this._status.removeClass('jp-PanhubViewer-message');
    this._status.node.setAttribute('role', 'status');
    this._status.node.textContent = text;
    this._status.setHidden(!text);
  }

  /** Show `message` instead of the viewer. */
  showMessage(message: string): void {
    this._showMessage(message);
  }

  private _showMessage(message: string): void {
    this._status.addClass('jp-PanhubViewer-message');
    this._status.node.setAttribute('role', 'alert');
    setMessage(this._status.node, message);
    this._status.setHidden(false);
  }

  private _kernel: ViewerKernel;
  private _resolve: () => Promise<string>;
  private _key = UUID.uuid4();
  private _path: string | null = null;
  private _status: Widget;
  private _output: OutputArea | null = null;
  private _ready: Promise<void> = Promise.resolve();
}

export namespace NexusViewerPanel {
  export interface IOptions {
    kernel: ViewerKernel;
    /** The file's absolute path in the server (asked of the server). */
    resolve: () => Promise<string>;
  }
}

/** A viewer tab. */
export class NexusViewerDocument extends DocumentWidget<
  NexusViewerPanel,
  DocumentModel
> {}

/**
 * The "NeXus viewer" widget factory.
 */
export class NexusViewerFactory extends ABCWidgetFactory<
  NexusViewerDocument,
  DocumentModel
> {
  constructor(options: NexusViewerFactory.IOptions) {
    super(options);
    this._kernel = options.kernel;
    this._resolve = options.resolve;
  }

  protected createNewWidget(
    context: DocumentRegistry.IContext<DocumentModel>
  ): NexusViewerDocument {
    const content = new NexusViewerPanel({
      kernel: this._kernel,
      resolve: () => this._resolve(context.path)
    });
    const widget = new NexusViewerDocument({ content, context });
    widget.addClass('jp-PanhubViewerDocument');
    context.ready.then(
      () => content.open(),
      () => content.showMessage(`${context.path}: no such file (or not readable).`)
    );
    return widget;
  }

  private _kernel: ViewerKernel;
  private _resolve: (path: string) => Promise<string>;
}

export namespace NexusViewerFactory {
  export interface IOptions
    extends DocumentRegistry.IWidgetFactoryOptions<NexusViewerDocument> {
    kernel: ViewerKernel;
    /** The absolute path of a contents path. */
    resolve: (path: string) => Promise<string>;
  }
}
